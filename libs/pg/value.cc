#include "libs/pg/value.h"

#include <postgresql/libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace hyper::pg {

const char* ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull: return "null";
    case ValueKind::kInt64: return "int64";
    case ValueKind::kDouble: return "double";
    case ValueKind::kBool: return "bool";
    case ValueKind::kText: return "text";
    case ValueKind::kBytes: return "bytes";
    case ValueKind::kTimestamp: return "timestamp";
    case ValueKind::kNumeric: return "numeric";
    case ValueKind::kJson: return "json";
  }
  return "unknown";
}

Value Value::Int64(int64_t v) {
  Value out;
  out.kind_ = ValueKind::kInt64;
  out.int_ = v;
  return out;
}

Value Value::Double(double v) {
  Value out;
  out.kind_ = ValueKind::kDouble;
  out.double_ = v;
  return out;
}

Value Value::Bool(bool v) {
  Value out;
  out.kind_ = ValueKind::kBool;
  out.int_ = v ? 1 : 0;
  return out;
}

Value Value::Text(std::string v) {
  Value out;
  out.kind_ = ValueKind::kText;
  out.str_ = std::move(v);
  return out;
}

Value Value::Bytes(std::string v) {
  Value out;
  out.kind_ = ValueKind::kBytes;
  out.str_ = std::move(v);
  return out;
}

Value Value::Timestamp(int64_t micros_since_epoch_utc) {
  Value out;
  out.kind_ = ValueKind::kTimestamp;
  out.int_ = micros_since_epoch_utc;
  return out;
}

Value Value::Numeric(std::string decimal) {
  Value out;
  out.kind_ = ValueKind::kNumeric;
  out.str_ = std::move(decimal);
  return out;
}

Value Value::Json(std::string json) {
  Value out;
  out.kind_ = ValueKind::kJson;
  out.str_ = std::move(json);
  return out;
}

namespace {

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return absl::StrFormat("%.17g", v);
  return std::string(buf, end);
}

std::string HexBytes(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// Parses "[+-]HH[:MM[:SS]]" at the end of a timestamp; returns seconds east.
bool ParseOffset(absl::string_view s, int64_t* seconds) {
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return false;
  int sign = s[0] == '-' ? -1 : 1;
  s.remove_prefix(1);
  int64_t parts[3] = {0, 0, 0};
  int n = 0;
  while (!s.empty() && n < 3) {
    size_t len = 0;
    while (len < s.size() && len < 2 && s[len] >= '0' && s[len] <= '9') ++len;
    if (len == 0) return false;
    int v = 0;
    if (!absl::SimpleAtoi(s.substr(0, len), &v)) return false;
    parts[n++] = v;
    s.remove_prefix(len);
    if (!s.empty()) {
      if (s[0] != ':') return false;
      s.remove_prefix(1);
    }
  }
  if (!s.empty()) return false;
  *seconds = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}

}  // namespace

std::string FormatTimestampMicros(int64_t micros) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    secs -= 1;
  }
  absl::CivilSecond cs =
      absl::ToCivilSecond(absl::FromUnixSeconds(secs), absl::UTCTimeZone());
  return absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d.%06d+00", cs.year(),
                         cs.month(), cs.day(), cs.hour(), cs.minute(),
                         cs.second(), frac);
}

std::optional<int64_t> ParseTimestampMicros(absl::string_view text) {
  // YYYY-MM-DD HH:MM:SS[.ffffff][offset]; years may have more digits.
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  size_t pos = text.find('-', 1);
  if (pos == absl::string_view::npos ||
      !absl::SimpleAtoi(text.substr(0, pos), &year)) {
    return std::nullopt;
  }
  absl::string_view rest = text.substr(pos);
  // "-MM-DD HH:MM:SS" is 15 characters.
  if (rest.size() < 15 || rest[0] != '-' || rest[3] != '-' || rest[6] != ' ' ||
      rest[9] != ':' || rest[12] != ':') {
    return std::nullopt;
  }
  if (!absl::SimpleAtoi(rest.substr(1, 2), &month) ||
      !absl::SimpleAtoi(rest.substr(4, 2), &day) ||
      !absl::SimpleAtoi(rest.substr(7, 2), &hour) ||
      !absl::SimpleAtoi(rest.substr(10, 2), &minute) ||
      !absl::SimpleAtoi(rest.substr(13, 2), &second)) {
    return std::nullopt;
  }
  rest.remove_prefix(15);
  int64_t frac = 0;
  if (!rest.empty() && rest[0] == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest[0] >= '0' && rest[0] <= '9') {
      if (digits < 6) {
        frac = frac * 10 + (rest[0] - '0');
        ++digits;
      }
      rest.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) frac *= 10;
  }
  int64_t offset = 0;
  if (!rest.empty() && !ParseOffset(rest, &offset)) return std::nullopt;
  absl::CivilSecond cs(year, month, day, hour, minute, second);
  if (cs.year() != year || cs.month() != month || cs.day() != day ||
      cs.hour() != hour || cs.minute() != minute || cs.second() != second) {
    return std::nullopt;
  }
  int64_t secs = absl::ToUnixSeconds(absl::FromCivil(cs, absl::UTCTimeZone()));
  return (secs - offset) * 1000000 + frac;
}

std::optional<std::string> Value::ToParam() const {
  switch (kind_) {
    case ValueKind::kNull: return std::nullopt;
    case ValueKind::kInt64: return absl::StrCat(int_);
    case ValueKind::kDouble: return FormatDouble(double_);
    case ValueKind::kBool: return std::string(int_ ? "t" : "f");
    case ValueKind::kText:
    case ValueKind::kNumeric:
    case ValueKind::kJson: return str_;
    case ValueKind::kBytes: return HexBytes(str_);
    case ValueKind::kTimestamp: return FormatTimestampMicros(int_);
  }
  return std::nullopt;
}

Oid Value::ParamType() const {
  switch (kind_) {
    case ValueKind::kInt64: return kInt8Oid;
    case ValueKind::kDouble: return kFloat8Oid;
    case ValueKind::kBool: return kBoolOid;
    case ValueKind::kBytes: return kByteaOid;
    case ValueKind::kTimestamp: return kTimestampTzOid;
    default: return kUnspecifiedOid;
  }
}

Value Value::FromCell(Oid type, absl::string_view text) {
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      int64_t v;
      if (absl::SimpleAtoi(text, &v)) return Int64(v);
      break;
    }
    case kFloat4Oid:
    case kFloat8Oid: {
      std::string s(text);
      char* end = nullptr;
      double v = std::strtod(s.c_str(), &end);
      if (!s.empty() && end == s.c_str() + s.size()) return Double(v);
      break;
    }
    case kBoolOid:
      if (text == "t") return Bool(true);
      if (text == "f") return Bool(false);
      break;
    case kByteaOid: {
      std::string s(text);
      size_t len = 0;
      unsigned char* raw = PQunescapeBytea(
          reinterpret_cast<const unsigned char*>(s.c_str()), &len);
      if (raw != nullptr) {
        Value out = Bytes(std::string(reinterpret_cast<char*>(raw), len));
        PQfreemem(raw);
        return out;
      }
      break;
    }
    case kTimestampOid:
    case kTimestampTzOid: {
      std::optional<int64_t> micros = ParseTimestampMicros(text);
      if (micros) return Timestamp(*micros);
      break;
    }
    case kNumericOid: return Numeric(std::string(text));
    case kJsonOid:
    case kJsonbOid: return Json(std::string(text));
    default: break;
  }
  return Text(std::string(text));
}

std::string Value::DebugString() const {
  switch (kind_) {
    case ValueKind::kNull: return "NULL";
    case ValueKind::kInt64: return absl::StrCat(int_);
    case ValueKind::kDouble: return FormatDouble(double_);
    case ValueKind::kBool: return int_ ? "true" : "false";
    case ValueKind::kBytes: return absl::StrCat("<bytes ", str_.size(), ">");
    case ValueKind::kTimestamp: return FormatTimestampMicros(int_);
    case ValueKind::kText:
    case ValueKind::kNumeric:
    case ValueKind::kJson: {
      std::string out = "'";
      size_t n = 0;
      for (char c : str_) {
        if (n++ == 64) {
          out += "...";
          break;
        }
        if (c == '\'') out += '\'';
        out += c;
      }
      out += '\'';
      return out;
    }
  }
  return "?";
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case ValueKind::kNull: return true;
    case ValueKind::kDouble:
      return a.double_ == b.double_ ||
             (std::isnan(a.double_) && std::isnan(b.double_));
    case ValueKind::kInt64:
    case ValueKind::kBool:
    case ValueKind::kTimestamp: return a.int_ == b.int_;
    default: return a.str_ == b.str_;
  }
}

std::string ColumnTypeName(Oid type) {
  switch (type) {
    case kBoolOid: return "bool";
    case kByteaOid: return "bytea";
    case kNameOid: return "name";
    case kInt8Oid: return "int8";
    case kInt2Oid: return "int2";
    case kInt4Oid: return "int4";
    case kTextOid: return "text";
    case kOidOid: return "oid";
    case kJsonOid: return "json";
    case kFloat4Oid: return "float4";
    case kFloat8Oid: return "float8";
    case kBpcharOid: return "bpchar";
    case kVarcharOid: return "varchar";
    case 1082: return "date";
    case 1083: return "time";
    case kTimestampOid: return "timestamp";
    case kTimestampTzOid: return "timestamptz";
    case 1186: return "interval";
    case kNumericOid: return "numeric";
    case 2950: return "uuid";
    case kJsonbOid: return "jsonb";
    default: return absl::StrCat("oid:", type);
  }
}

void AppendCopyText(absl::string_view text, std::string* out) {
  // Copies runs between the four bytes that need escaping in one append.
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char* escaped;
    switch (text[i]) {
      case '\\': escaped = "\\\\"; break;
      case '\t': escaped = "\\t"; break;
      case '\n': escaped = "\\n"; break;
      case '\r': escaped = "\\r"; break;
      default: continue;
    }
    out->append(text.data() + run, i - run);
    out->append(escaped, 2);
    run = i + 1;
  }
  out->append(text.data() + run, text.size() - run);
}

void AppendCopyField(const Value& value, std::string* out) {
  switch (value.kind()) {
    case ValueKind::kNull:
      out->append("\\N");
      return;
    case ValueKind::kInt64:
      absl::StrAppend(out, value.int64());
      return;
    case ValueKind::kText:
    case ValueKind::kNumeric:
    case ValueKind::kJson:
      AppendCopyText(value.str(), out);
      return;
    default:
      AppendCopyText(*value.ToParam(), out);
  }
}

std::string CopyTextField(const Value& value) {
  std::string out;
  AppendCopyField(value, &out);
  return out;
}

}  // namespace hyper::pg
