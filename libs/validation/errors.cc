#include "libs/validation/errors.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace hyper::validation {

void Errors::Add(std::string field, std::string message) {
  if (full()) {
    truncated_ = true;
    return;
  }
  list_.push_back({std::move(field), std::move(message)});
}

absl::Status Errors::ToStatus() const {
  if (ok()) return absl::OkStatus();
  std::string text;
  const size_t shown = list_.size() < 5 ? list_.size() : 5;
  for (size_t i = 0; i < shown; ++i) {
    if (i != 0) text.append("; ");
    if (!list_[i].field.empty()) absl::StrAppend(&text, list_[i].field, ": ");
    text.append(list_[i].message);
  }
  if (list_.size() > shown || truncated_) absl::StrAppend(&text, "; and more");
  return absl::InvalidArgumentError(text);
}

void WriteErrorsJson(const Errors& errors, json::JsonWriter* writer) {
  writer->StartObject();
  writer->Key("errors");
  writer->StartArray();
  for (const FieldError& e : errors.list()) {
    writer->StartObject();
    writer->Key("field");
    writer->String(e.field);
    writer->Key("message");
    writer->String(e.message);
    writer->EndObject();
  }
  writer->EndArray();
  if (errors.truncated()) {
    writer->Key("truncated");
    writer->Bool(true);
  }
  writer->EndObject();
}

std::string ErrorsToJson(const Errors& errors) {
  std::string out;
  json::JsonWriter writer(&out);
  WriteErrorsJson(errors, &writer);
  return out;
}

namespace internal {

std::string ErrorContext::Path() const {
  std::string path;
  for (const Segment& s : path_) {
    if (s.key.data() == nullptr) {
      absl::StrAppend(&path, "[", s.index, "]");
    } else {
      if (!path.empty()) path.push_back('.');
      path.append(s.key.data(), s.key.size());
    }
  }
  return path;
}

void ErrorContext::Fail(absl::string_view message) {
  errors_->Add(Path(), std::string(message));
}

}  // namespace internal
}  // namespace hyper::validation
