#include "libs/templates/internal/syntax.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ctemplate/template.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hyper::templates::internal {
namespace {

constexpr absl::string_view kPragma = "{{%AUTOESCAPE ";

absl::Status Error(absl::string_view name, int line, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(name, ":", line, ": ", reason));
}

// A line end outside any marker: where a prefix of the template may be cut.
struct Cut {
  size_t end;                       // just past the '\n'
  int line;                         // the line that ends there
  std::vector<std::string> open;    // sections open at that point
};

struct Scan {
  absl::Status status;
  std::vector<Cut> cuts;
};

Scan ScanMarkers(absl::string_view name, absl::string_view text) {
  Scan scan;
  if (text.substr(0, kPragma.size()) != kPragma) {
    scan.status = Error(name, 1,
                        "a template must begin with {{%AUTOESCAPE context=\"HTML\"}} "
                        "(or JAVASCRIPT, CSS, JSON, XML): Hyper renders only "
                        "auto-escaped templates");
    return scan;
  }
  std::vector<std::pair<std::string, int>> open;  // section, line opened
  size_t pos = 0;
  int line = 1;
  auto advance_to = [&](size_t end) {
    for (size_t i = pos; i < end; ++i) {
      if (text[i] != '\n') continue;
      Cut cut{i + 1, line, {}};
      for (const auto& [section, unused] : open) cut.open.push_back(section);
      scan.cuts.push_back(std::move(cut));
      ++line;
    }
    pos = end;
  };
  while (true) {
    const size_t start = text.find("{{", pos);
    if (start == absl::string_view::npos) {
      advance_to(text.size());
      break;
    }
    advance_to(start);
    const int marker_line = line;
    const size_t end = text.find("}}", start + 2);
    if (end == absl::string_view::npos) {
      scan.status = Error(name, marker_line, "'{{' is never closed by '}}'");
      return scan;
    }
    const absl::string_view body = text.substr(start + 2, end - start - 2);
    line += static_cast<int>(std::count(body.begin(), body.end(), '\n'));
    pos = end + 2;
    if (body.empty()) {
      scan.status = Error(name, marker_line, "empty marker '{{}}'");
      return scan;
    }
    const absl::string_view rest = body.substr(1);
    switch (body[0]) {
      case '!':  // comment
      case '>':  // include
        break;
      case '%':
        if (start != 0) {
          scan.status = Error(name, marker_line, "a pragma must be the first thing in the template");
          return scan;
        }
        break;
      case '=':
        scan.status = Error(name, marker_line, "custom delimiters ({{=...=}}) are not supported");
        return scan;
      case '#':
        open.emplace_back(std::string(rest), marker_line);
        break;
      case '/':
        if (open.empty()) {
          scan.status = Error(name, marker_line, absl::StrCat("{{/", rest, "}} closes no open section"));
          return scan;
        }
        if (open.back().first != rest) {
          scan.status = Error(name, marker_line,
                              absl::StrCat("{{/", rest, "}} closes section ", open.back().first,
                                           " opened on line ", open.back().second));
          return scan;
        }
        open.pop_back();
        break;
      default: {
        std::vector<absl::string_view> parts = absl::StrSplit(body, ':');
        for (size_t i = 1; i < parts.size(); ++i) {
          const absl::string_view modifier = parts[i].substr(0, parts[i].find('='));
          if (modifier == "none") {
            scan.status = Error(name, marker_line,
                                absl::StrCat("{{", body, "}}: the :none modifier would emit ", parts[0],
                                             " unescaped; auto-escaping cannot be turned off"));
            return scan;
          }
        }
      }
    }
  }
  if (!open.empty()) {
    scan.status = Error(name, open.back().second,
                        absl::StrCat("section ", open.back().first, " is never closed"));
  }
  return scan;
}

bool Compiles(absl::string_view text) {
  std::unique_ptr<ctemplate::Template> tpl(ctemplate::Template::StringToTemplate(
      ctemplate::TemplateString(text.data(), text.size()), ctemplate::DO_NOT_STRIP));
  return tpl != nullptr && tpl->state() == ctemplate::TS_READY;
}

}  // namespace

absl::Status CheckTemplateText(absl::string_view name, absl::string_view text) {
  return ScanMarkers(name, text).status;
}

absl::Status LocateCompileError(absl::string_view name, absl::string_view text) {
  Scan scan = ScanMarkers(name, text);
  if (!scan.status.ok()) return scan.status;
  auto prefix_compiles = [&](const Cut& cut) {
    std::string prefix(text.substr(0, cut.end));
    for (auto it = cut.open.rbegin(); it != cut.open.rend(); ++it) {
      absl::StrAppend(&prefix, "{{/", *it, "}}");
    }
    return Compiles(prefix);
  };
  // The first cut whose prefix fails: an error, once in, stays in every
  // longer prefix. No failing cut means the error is on the last line.
  size_t lo = 0, hi = scan.cuts.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (prefix_compiles(scan.cuts[mid])) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const int line = lo < scan.cuts.size()
                       ? scan.cuts[lo].line
                       : static_cast<int>(std::count(text.begin(), text.end(), '\n')) +
                             (text.empty() || text.back() == '\n' ? 0 : 1);
  return Error(name, std::max(line, 1),
               "ctemplate cannot compile this line (unknown modifier, bad variable "
               "name or HTML it cannot parse; its ERROR log line says which)");
}

}  // namespace hyper::templates::internal
