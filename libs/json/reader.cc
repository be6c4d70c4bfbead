#include "libs/json/reader.h"

#include <vector>

#include "absl/strings/str_cat.h"

namespace hyper::json {
namespace {

absl::Status ParseError(simdjson::error_code code) {
  switch (code) {
    case simdjson::UTF8_ERROR:
      return absl::InvalidArgumentError("invalid JSON: not valid UTF-8");
    case simdjson::NUMBER_ERROR:
      return absl::InvalidArgumentError(
          "invalid JSON: a number is malformed or out of range");
    case simdjson::MEMALLOC:
      return absl::ResourceExhaustedError("out of memory parsing JSON");
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("invalid JSON: ", simdjson::error_message(code)));
  }
}

}  // namespace

JsonReader::JsonReader(Options options) : options_(options) {
  if (options_.max_depth == 0) options_.max_depth = 1;
}

absl::StatusOr<simdjson::dom::element> JsonReader::Parse(absl::string_view text) {
  if (text.size() > options_.max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON body longer than ", options_.max_bytes, " bytes"));
  }
  // simdjson refuses depth >= its max_depth; ours is inclusive. allocate()
  // keeps the buffers when they are already large enough.
  if (parser_.capacity() < text.size() ||
      parser_.max_depth() != options_.max_depth + 1) {
    const size_t capacity = text.size() < 4096 ? 4096 : text.size();
    const simdjson::error_code err =
        parser_.allocate(capacity, options_.max_depth + 1);
    if (err != simdjson::SUCCESS) return ParseError(err);
  }
  simdjson::simdjson_result<simdjson::dom::element> result =
      parser_.parse(text.data(), text.size(), /*realloc_if_needed=*/true);
  if (result.error() == simdjson::DEPTH_ERROR) {
    const std::string path = internal::FindTooDeepPath(text, options_.max_depth);
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON: nesting deeper than ", options_.max_depth,
                     " at ", path.empty() ? "the top level" : path));
  }
  if (result.error() != simdjson::SUCCESS) return ParseError(result.error());
  return result.value_unsafe();
}

ReadResult ReadInt64(simdjson::dom::element value, int64_t* out) {
  switch (value.type()) {
    case simdjson::dom::element_type::INT64:
      *out = value.get_int64().value_unsafe();
      return ReadResult::kOk;
    case simdjson::dom::element_type::UINT64:
      return ReadResult::kOutOfRange;  // only values >= 2^63 are stored so
    default:
      return ReadResult::kWrongType;
  }
}

ReadResult ReadDouble(simdjson::dom::element value, double* out) {
  switch (value.type()) {
    case simdjson::dom::element_type::DOUBLE:
      *out = value.get_double().value_unsafe();
      return ReadResult::kOk;
    case simdjson::dom::element_type::INT64:
      *out = static_cast<double>(value.get_int64().value_unsafe());
      return ReadResult::kOk;
    case simdjson::dom::element_type::UINT64:
      *out = static_cast<double>(value.get_uint64().value_unsafe());
      return ReadResult::kOk;
    default:
      return ReadResult::kWrongType;
  }
}

ReadResult ReadString(simdjson::dom::element value, absl::string_view* out) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) return ReadResult::kWrongType;
  *out = ToAbsl(s);
  return ReadResult::kOk;
}

ReadResult ReadBool(simdjson::dom::element value, bool* out) {
  if (value.get_bool().get(*out) != simdjson::SUCCESS) return ReadResult::kWrongType;
  return ReadResult::kOk;
}

namespace internal {

std::string FindTooDeepPath(absl::string_view text, size_t max_depth) {
  struct Frame {
    bool is_array;
    size_t index;          // arrays: index of the current element
    absl::string_view key; // objects: the last key seen
  };
  std::vector<Frame> stack;
  auto render = [&stack]() {
    std::string path;
    for (const Frame& f : stack) {
      if (f.is_array) {
        absl::StrAppend(&path, "[", f.index, "]");
      } else {
        if (!path.empty()) path.push_back('.');
        absl::StrAppend(&path, f.key);
      }
    }
    return path;
  };
  bool expect_key = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '{':
      case '[':
        if (stack.size() >= max_depth) {
          // Like simdjson, an empty container does not count as a level.
          size_t j = i + 1;
          while (j < text.size() && (text[j] == ' ' || text[j] == '\t' ||
                                     text[j] == '\n' || text[j] == '\r')) {
            ++j;
          }
          if (j >= text.size() || text[j] != (c == '[' ? ']' : '}')) return render();
        }
        stack.push_back({c == '[', 0, {}});
        expect_key = c == '{';
        break;
      case '}':
      case ']':
        if (!stack.empty()) stack.pop_back();
        expect_key = false;
        break;
      case ',':
        if (!stack.empty()) {
          if (stack.back().is_array) {
            ++stack.back().index;
          } else {
            expect_key = true;
          }
        }
        break;
      case '"': {
        const size_t start = i + 1;
        for (++i; i < text.size() && text[i] != '"'; ++i) {
          if (text[i] == '\\') ++i;
        }
        if (expect_key && !stack.empty()) {
          stack.back().key = text.substr(start, std::min(i, text.size()) - start);
          expect_key = false;
        }
        break;
      }
      default:
        break;
    }
  }
  return "";
}

}  // namespace internal
}  // namespace hyper::json
