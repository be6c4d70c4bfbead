// Errors: every field error found while validating one request body, each
// with the path of the field (`items[3].email`) and a message, ready to be
// answered as HTTP 422 (or 400 when the body was not JSON at all).
//
// Example:
//   Errors errors;
//   errors.Add("items[3].email", "not an email address");
//   ErrorsToJson(errors)
//   // == R"({"errors":[{"field":"items[3].email","message":"not an email address"}]})"
//   errors.ToStatus()  // InvalidArgument("items[3].email: not an email address")
#ifndef HYPER_LIBS_VALIDATION_ERRORS_H_
#define HYPER_LIBS_VALIDATION_ERRORS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libs/json/writer.h"

namespace hyper::validation {

struct FieldError {
  // Dotted path from the body's root: `name`, `address.city`, `tags[0]`;
  // "" for the body as a whole (e.g. it is not JSON, or not an object).
  std::string field;
  std::string message;

  bool operator==(const FieldError& other) const = default;
};

class Errors {
 public:
  // At most `max_errors` are kept (a hostile body could otherwise make the
  // error list far larger than itself); truncated() tells when some were
  // dropped. 0 means no limit.
  static constexpr size_t kDefaultMaxErrors = 100;
  explicit Errors(size_t max_errors = kDefaultMaxErrors) : max_errors_(max_errors) {}

  void Add(std::string field, std::string message);

  bool ok() const { return list_.empty(); }
  size_t size() const { return list_.size(); }
  const std::vector<FieldError>& list() const { return list_; }
  // True when the limit was reached: stop looking for more.
  bool full() const { return max_errors_ != 0 && list_.size() >= max_errors_; }
  bool truncated() const { return truncated_; }

  // The body could not be read as JSON (syntax, UTF-8, depth, size): answer
  // 400 rather than 422.
  bool malformed() const { return malformed_; }
  void set_malformed() { malformed_ = true; }

  // OK, or InvalidArgument whose message lists up to five errors as
  // "field: message" joined by "; ".
  absl::Status ToStatus() const;

 private:
  size_t max_errors_;
  std::vector<FieldError> list_;
  bool truncated_ = false;
  bool malformed_ = false;
};

// Writes {"errors":[{"field":...,"message":...},...]} (plus
// "truncated":true when errors were dropped).
void WriteErrorsJson(const Errors& errors, json::JsonWriter* writer);
std::string ErrorsToJson(const Errors& errors);

namespace internal {

// The current path while walking a value, and where its errors go. The path
// is kept as segments and rendered only when an error is added.
class ErrorContext {
 public:
  explicit ErrorContext(Errors* errors) : errors_(errors) {}

  // `key` must outlive the context (model field names do).
  void PushKey(absl::string_view key) { path_.push_back({key, 0}); }
  void PushIndex(size_t index) { path_.push_back({absl::string_view(), index}); }
  void Pop() { path_.pop_back(); }

  void Fail(absl::string_view message);
  bool full() const { return errors_->full(); }
  std::string Path() const;

 private:
  struct Segment {
    absl::string_view key;  // data() == nullptr: an array index
    size_t index;
  };
  absl::InlinedVector<Segment, 8> path_;
  Errors* errors_;
};

}  // namespace internal
}  // namespace hyper::validation

#endif  // HYPER_LIBS_VALIDATION_ERRORS_H_
