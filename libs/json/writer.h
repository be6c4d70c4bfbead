// JsonWriter: appends JSON text to a string as it is built, escaping every
// string so the output is always valid JSON (quotes, backslash, control
// characters as \uXXXX; with `script_safe`, also '<', '>', '&' and U+2028/9 so
// the text can sit inside an HTML <script>). Invalid UTF-8 is refused
// (ok() turns false and the bad string is written as ""), never passed on.
//
// Example:
//   std::string out;
//   JsonWriter w(&out);
//   w.StartObject();
//   w.Key("message"); w.String("Hello, World!");
//   w.Key("n"); w.Int(-3);
//   w.EndObject();
//   // out == R"({"message":"Hello, World!","n":-3})"
#ifndef HYPER_LIBS_JSON_WRITER_H_
#define HYPER_LIBS_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace hyper::json {

class JsonWriter {
 public:
  struct Options {
    bool script_safe = false;
  };

  explicit JsonWriter(std::string* out) : JsonWriter(out, Options()) {}
  JsonWriter(std::string* out, Options options) : out_(out), options_(options) {}

  void StartObject();
  void EndObject();
  void StartArray();
  void EndArray();
  void Key(absl::string_view key);
  void String(absl::string_view value);
  void Int(int64_t value);
  // The shortest text that reads back as the same double; NaN and
  // infinities (not JSON) are written as null.
  void Double(double value);
  // Writes `json` as it is; the caller guarantees it is one valid JSON value.
  void Raw(absl::string_view json);
  void Bool(bool value);
  void Null();

  // False once any string held invalid UTF-8.
  bool ok() const { return ok_; }

 private:
  void BeforeValue();
  void AppendEscaped(absl::string_view value);

  std::string* out_;
  Options options_;
  // Per open container: has it a member yet? (for commas)
  std::vector<bool> has_member_;
  bool after_key_ = false;
  bool ok_ = true;
};

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, no
// code points above U+10FFFF).
bool IsValidUtf8(absl::string_view text);

}  // namespace hyper::json

#endif  // HYPER_LIBS_JSON_WRITER_H_
