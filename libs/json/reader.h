// JsonReader: parses request bodies with simdjson (DOM, error-code API, no
// exceptions) and reads its values as C++ types. simdjson validates UTF-8 and
// the grammar; on top of it the reader enforces a nesting depth limit whose
// error names the path where the limit was crossed, and typed accessors that
// detect integer overflow instead of wrapping or rounding.
//
// Example:
//   JsonReader reader;  // max_depth 64
//   absl::StatusOr<simdjson::dom::element> root = reader.Parse(R"({"n":7})");
//   int64_t n = 0;
//   ReadInt64(root->at_key("n").value_unsafe(), &n);  // == ReadResult::kOk
//   // n == 7
//   reader.Parse("[[1]]") with max_depth 1
//   // -> InvalidArgument("nesting deeper than 1 at [0]")
//
// A parsed element points into the reader: it is valid until the next Parse
// on the same reader. A reader is not thread-safe; keep one per thread (or
// per connection) so its buffers are reused.
#ifndef HYPER_LIBS_JSON_READER_H_
#define HYPER_LIBS_JSON_READER_H_

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hyper::json {

class JsonReader {
 public:
  struct Options {
    // Objects and arrays nested deeper than this are refused: "[[1]]" has
    // depth 2. As in simdjson, an empty object or array is not a level
    // ("[[]]" has depth 1). At least 1.
    size_t max_depth = 64;
    // Longer bodies are refused before parsing.
    size_t max_bytes = 16 << 20;
  };

  JsonReader() : JsonReader(Options()) {}
  explicit JsonReader(Options options);

  // Parses one JSON document. Fails with InvalidArgument: malformed JSON,
  // invalid UTF-8, a number out of range (integers beyond [-2^63, 2^64),
  // doubles beyond +-1.8e308), nesting deeper than max_depth (the message
  // names the path, e.g. "nesting deeper than 64 at items[3].tags"), or a body
  // longer than max_bytes. ResourceExhausted when memory runs out.
  absl::StatusOr<simdjson::dom::element> Parse(absl::string_view text);

  const Options& options() const { return options_; }

 private:
  Options options_;
  simdjson::dom::parser parser_;
};

// The outcome of reading a JSON value as a C++ type.
enum class ReadResult {
  kOk,
  kWrongType,   // e.g. a string where a number was expected
  kOutOfRange,  // e.g. 2^63 read as int64, or 1.5 read as an integer
};

// Integers only: a JSON number with a fraction or exponent (1.0, 1e3) is
// kWrongType; an integer beyond int64 (2^63 .. 2^64-1) is kOutOfRange.
ReadResult ReadInt64(simdjson::dom::element value, int64_t* out);
// Any JSON number; integers beyond 2^53 are rounded to the nearest double.
ReadResult ReadDouble(simdjson::dom::element value, double* out);
// The string's bytes (already unescaped and valid UTF-8), pointing into the
// reader that parsed it.
ReadResult ReadString(simdjson::dom::element value, absl::string_view* out);
ReadResult ReadBool(simdjson::dom::element value, bool* out);

// simdjson speaks std::string_view; Abseil 20220623 has its own string_view.
inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view ToStd(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

namespace internal {
// The path (e.g. "a.b[2]") of the first object or array in `text` nested
// deeper than `max_depth`, found by a plain scan; "" at the top level or when
// the text is not nested that deep. Only called on the error path.
std::string FindTooDeepPath(absl::string_view text, size_t max_depth);
}  // namespace internal

}  // namespace hyper::json

#endif  // HYPER_LIBS_JSON_READER_H_
