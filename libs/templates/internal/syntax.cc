#include "libs/templates/internal/syntax.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ctemplate/template.h>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"

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

// Where "cc" (a pair of `c`) next starts at or after `pos`, or npos.
size_t FindPair(absl::string_view text, size_t pos, char c) {
  while (pos < text.size()) {
    const void* found = std::memchr(text.data() + pos, c, text.size() - pos);
    if (found == nullptr) break;
    const size_t i = static_cast<size_t>(static_cast<const char*>(found) - text.data());
    if (i + 1 < text.size() && text[i + 1] == c) return i;
    pos = i + 1;
  }
  return absl::string_view::npos;
}

// Checks the markers; with `cuts`, also records every place a prefix may be
// cut (only LocateCompileError needs them). Line numbers are counted only
// for an error or a cut.
absl::Status ScanMarkers(absl::string_view name, absl::string_view text, std::vector<Cut>* cuts) {
  if (text.substr(0, kPragma.size()) != kPragma) {
    return Error(name, 1,
                 "a template must begin with {{%AUTOESCAPE context=\"HTML\"}} "
                 "(or JAVASCRIPT, CSS, JSON, XML): Hyper renders only "
                 "auto-escaped templates");
  }
  auto line_at = [&text](size_t pos) {
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
  };
  absl::InlinedVector<std::pair<absl::string_view, size_t>, 8> open;  // section, where opened
  size_t pos = 0;
  int cut_line = 1;  // the line at `pos`, kept only with `cuts`
  auto advance_to = [&](size_t end) {
    if (cuts != nullptr) {
      for (size_t i = pos; i < end; ++i) {
        if (text[i] != '\n') continue;
        Cut cut{i + 1, cut_line, {}};
        for (const auto& [section, unused] : open) cut.open.emplace_back(section);
        cuts->push_back(std::move(cut));
        ++cut_line;
      }
    }
    pos = end;
  };
  while (true) {
    const size_t start = FindPair(text, pos, '{');
    if (start == absl::string_view::npos) {
      advance_to(text.size());
      break;
    }
    advance_to(start);
    const size_t end = FindPair(text, start + 2, '}');
    if (end == absl::string_view::npos) {
      return Error(name, line_at(start), "'{{' is never closed by '}}'");
    }
    const absl::string_view body = text.substr(start + 2, end - start - 2);
    if (cuts != nullptr) cut_line += static_cast<int>(std::count(body.begin(), body.end(), '\n'));
    pos = end + 2;
    if (body.empty()) {
      return Error(name, line_at(start), "empty marker '{{}}'");
    }
    const absl::string_view rest = body.substr(1);
    switch (body[0]) {
      case '!':  // comment
      case '>':  // include
        break;
      case '%':
        if (start != 0) {
          return Error(name, line_at(start), "a pragma must be the first thing in the template");
        }
        break;
      case '=':
        return Error(name, line_at(start), "custom delimiters ({{=...=}}) are not supported");
      case '#':
        open.emplace_back(rest, start);
        break;
      case '/':
        if (open.empty()) {
          return Error(name, line_at(start), absl::StrCat("{{/", rest, "}} closes no open section"));
        }
        if (open.back().first != rest) {
          return Error(name, line_at(start),
                       absl::StrCat("{{/", rest, "}} closes section ", open.back().first,
                                    " opened on line ", line_at(open.back().second)));
        }
        open.pop_back();
        break;
      default:
        // NAME:modifier[=value]:...; each ':' starts a modifier.
        for (size_t colon = body.find(':'); colon != absl::string_view::npos;) {
          const size_t next = body.find(':', colon + 1);
          const absl::string_view part = body.substr(
              colon + 1, next == absl::string_view::npos ? absl::string_view::npos : next - colon - 1);
          if (part.substr(0, part.find('=')) == "none") {
            return Error(name, line_at(start),
                         absl::StrCat("{{", body, "}}: the :none modifier would emit ",
                                      body.substr(0, body.find(':')),
                                      " unescaped; auto-escaping cannot be turned off"));
          }
          colon = next;
        }
    }
  }
  if (!open.empty()) {
    return Error(name, line_at(open.back().second),
                 absl::StrCat("section ", open.back().first, " is never closed"));
  }
  return absl::OkStatus();
}

bool Compiles(absl::string_view text) {
  std::unique_ptr<ctemplate::Template> tpl(ctemplate::Template::StringToTemplate(
      ctemplate::TemplateString(text.data(), text.size()), ctemplate::DO_NOT_STRIP));
  return tpl != nullptr && tpl->state() == ctemplate::TS_READY;
}

}  // namespace

absl::Status CheckTemplateText(absl::string_view name, absl::string_view text) {
  return ScanMarkers(name, text, /*cuts=*/nullptr);
}

absl::Status LocateCompileError(absl::string_view name, absl::string_view text) {
  std::vector<Cut> cuts;
  if (absl::Status status = ScanMarkers(name, text, &cuts); !status.ok()) return status;
  auto prefix_compiles = [&](const Cut& cut) {
    std::string prefix(text.substr(0, cut.end));
    for (auto it = cut.open.rbegin(); it != cut.open.rend(); ++it) {
      absl::StrAppend(&prefix, "{{/", *it, "}}");
    }
    return Compiles(prefix);
  };
  // The first cut whose prefix fails: an error, once in, stays in every
  // longer prefix. No failing cut means the error is on the last line.
  size_t lo = 0, hi = cuts.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (prefix_compiles(cuts[mid])) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const int line = lo < cuts.size()
                       ? cuts[lo].line
                       : static_cast<int>(std::count(text.begin(), text.end(), '\n')) +
                             (text.empty() || text.back() == '\n' ? 0 : 1);
  return Error(name, std::max(line, 1),
               "ctemplate cannot compile this line (unknown modifier, bad variable "
               "name or HTML it cannot parse; its ERROR log line says which)");
}

}  // namespace hyper::templates::internal
