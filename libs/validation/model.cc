#include "libs/validation/model.h"

#include <re2/re2.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/validation/email.h"
#include "libs/validation/url.h"

namespace hyper::validation {
namespace {

// Code points in valid UTF-8: the bytes that are not continuation bytes.
size_t CodePoints(absl::string_view s) {
  size_t count = 0;
  for (char c : s) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

}  // namespace

namespace internal {

bool ReadInt64Value(simdjson::dom::element json, int64_t* out, ErrorContext& ctx) {
  switch (json::ReadInt64(json, out)) {
    case json::ReadResult::kOk:
      return true;
    case json::ReadResult::kOutOfRange:
      ctx.Fail("integer out of range");
      return false;
    case json::ReadResult::kWrongType:
      break;
  }
  ctx.Fail("must be an integer");
  return false;
}

void FailItems(const ArrayRules& rules, size_t size, ErrorContext& ctx) {
  if (size < rules.min_items) {
    ctx.Fail(absl::StrCat("must have at least ", rules.min_items, " items"));
  } else {
    ctx.Fail(absl::StrCat("must have at most ", rules.max_items, " items"));
  }
}

}  // namespace internal

void IntType::Read(simdjson::dom::element json, Value* out,
                   internal::ErrorContext& ctx) const {
  if (internal::ReadInt64Value(json, out, ctx)) Check(*out, ctx);
}

void IntType::Fail(Value value, internal::ErrorContext& ctx) const {
  if (value < rules_.min) {
    ctx.Fail(absl::StrCat("must be >= ", rules_.min));
  } else {
    ctx.Fail(absl::StrCat("must be <= ", rules_.max));
  }
}

void FloatType::Read(simdjson::dom::element json, Value* out,
                     internal::ErrorContext& ctx) const {
  if (json::ReadDouble(json, out) != json::ReadResult::kOk) {
    ctx.Fail("must be a number");
    return;
  }
  Check(*out, ctx);
}

void FloatType::Check(const Value& value, internal::ErrorContext& ctx) const {
  if (value >= rules_.min && value <= rules_.max) return;
  if (value != value) {
    ctx.Fail("must be a number");
  } else if (value < rules_.min) {
    ctx.Fail(absl::StrCat("must be >= ", rules_.min));
  } else {
    ctx.Fail(absl::StrCat("must be <= ", rules_.max));
  }
}

StringType::StringType(StringRules rules) : rules_(std::move(rules)) {
  if (rules_.pattern.empty()) return;
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const RE2>(rules_.pattern, options);
  if (!regex->ok()) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("bad pattern \"", rules_.pattern, "\": ", regex->error()));
    return;
  }
  regex_ = std::move(regex);
}

void StringType::Read(simdjson::dom::element json, Value* out,
                      internal::ErrorContext& ctx) const {
  absl::string_view s;
  if (json::ReadString(json, &s) != json::ReadResult::kOk) {
    ctx.Fail("must be a string");
    return;
  }
  out->assign(s.data(), s.size());
  CheckUtf8(s, ctx);  // JSON strings are valid UTF-8 already
}

void StringType::Check(const Value& value, internal::ErrorContext& ctx) const {
  if (!json::IsValidUtf8(value)) {
    ctx.Fail("must be valid UTF-8");
    return;
  }
  CheckUtf8(value, ctx);
}

void StringType::CheckUtf8(absl::string_view value, internal::ErrorContext& ctx) const {
  // A code point takes 1..4 bytes, so the byte count bounds the length and
  // most values skip the count.
  const bool surely_fits = value.size() <= rules_.max_length &&
                           (value.size() + 3) / 4 >= rules_.min_length;
  if (!surely_fits) {
    const size_t n = CodePoints(value);
    if (n < rules_.min_length) {
      ctx.Fail(absl::StrCat("must be at least ", rules_.min_length, " characters"));
      return;
    }
    if (n > rules_.max_length) {
      ctx.Fail(absl::StrCat("must be at most ", rules_.max_length, " characters"));
      return;
    }
  }
  if (!rules_.one_of.empty()) {
    bool found = false;
    for (const std::string& allowed : rules_.one_of) {
      if (allowed == value) {
        found = true;
        break;
      }
    }
    if (!found) {
      ctx.Fail(absl::StrCat("must be one of: ", absl::StrJoin(rules_.one_of, ", ")));
      return;
    }
  }
  switch (rules_.format) {
    case Format::kNone:
      break;
    case Format::kEmail:
      if (!IsEmail(value)) {
        ctx.Fail("not an email address");
        return;
      }
      break;
    case Format::kUrl:
      if (!IsHttpUrl(value)) {
        ctx.Fail("not an http(s) URL");
        return;
      }
      break;
  }
  if (!status_.ok()) {
    ctx.Fail("has a rule with a bad pattern");
  } else if (regex_ != nullptr &&
             !RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *regex_)) {
    ctx.Fail("does not match the required pattern");
  }
}

void BoolType::Read(simdjson::dom::element json, Value* out,
                    internal::ErrorContext& ctx) const {
  if (json::ReadBool(json, out) != json::ReadResult::kOk) ctx.Fail("must be a boolean");
}

}  // namespace hyper::validation
