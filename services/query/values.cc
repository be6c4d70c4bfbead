#include "services/query/values.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace hyper::query {
namespace {

absl::string_view KindName(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::kNull: return "null";
    case v1::Value::kIntValue: return "int_value";
    case v1::Value::kFloatValue: return "float_value";
    case v1::Value::kTextValue: return "text_value";
    case v1::Value::kBytesValue: return "bytes_value";
    case v1::Value::kBoolValue: return "bool_value";
    case v1::Value::kTimestampMicros: return "timestamp_micros";
    case v1::Value::kNumericValue: return "numeric_value";
    case v1::Value::kJsonValue: return "json_value";
    case v1::Value::KIND_NOT_SET: return "an empty value";
  }
  return "an unknown value";
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsDecimal(absl::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool digits = false, dot = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits;
}

}  // namespace

absl::string_view TypeName(v1::ColumnType type) {
  switch (type) {
    case v1::COLUMN_TYPE_INT: return "int";
    case v1::COLUMN_TYPE_FLOAT: return "float";
    case v1::COLUMN_TYPE_TEXT: return "text";
    case v1::COLUMN_TYPE_BYTES: return "bytes";
    case v1::COLUMN_TYPE_BOOL: return "bool";
    case v1::COLUMN_TYPE_TIMESTAMP: return "timestamp";
    case v1::COLUMN_TYPE_NUMERIC: return "numeric";
    case v1::COLUMN_TYPE_JSON: return "json";
    default: return "unknown";
  }
}

std::optional<std::string> ValueToText(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::kIntValue:
      return absl::StrCat(value.int_value());
    case v1::Value::kFloatValue:
      return absl::StrFormat("%.17g", value.float_value());
    case v1::Value::kTextValue:
      return value.text_value();
    case v1::Value::kBytesValue: {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string out = "\\x";
      for (unsigned char c : value.bytes_value()) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
      }
      return out;
    }
    case v1::Value::kBoolValue:
      return std::string(value.bool_value() ? "t" : "f");
    case v1::Value::kTimestampMicros: {
      int64_t micros = value.timestamp_micros();
      absl::Time t = absl::FromUnixMicros(micros);
      int64_t frac = micros % 1000000;
      if (frac < 0) frac += 1000000;
      return absl::StrCat(absl::FormatTime("%Y-%m-%d %H:%M:%S", t, absl::UTCTimeZone()),
                          absl::StrFormat(".%06d+00", frac));
    }
    case v1::Value::kNumericValue:
      return value.numeric_value();
    case v1::Value::kJsonValue:
      return value.json_value();
    case v1::Value::kNull:
    case v1::Value::KIND_NOT_SET:
      return std::nullopt;
  }
  return std::nullopt;
}

v1::Value TextToValue(absl::string_view text, v1::ColumnType type) {
  v1::Value value;
  switch (type) {
    case v1::COLUMN_TYPE_INT: {
      int64_t n;
      if (absl::SimpleAtoi(text, &n)) {
        value.set_int_value(n);
        return value;
      }
      break;
    }
    case v1::COLUMN_TYPE_FLOAT: {
      double d;
      if (absl::SimpleAtod(text, &d)) {
        value.set_float_value(d);
        return value;
      }
      break;
    }
    case v1::COLUMN_TYPE_BOOL:
      value.set_bool_value(text == "t" || text == "true");
      return value;
    case v1::COLUMN_TYPE_BYTES: {
      if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x' && text.size() % 2 == 0) {
        std::string bytes;
        bool ok = true;
        for (size_t i = 2; i + 1 < text.size(); i += 2) {
          int hi = HexDigit(text[i]);
          int lo = HexDigit(text[i + 1]);
          if (hi < 0 || lo < 0) {
            ok = false;
            break;
          }
          bytes.push_back(static_cast<char>(hi * 16 + lo));
        }
        if (ok) {
          value.set_bytes_value(bytes);
          return value;
        }
      }
      break;
    }
    case v1::COLUMN_TYPE_TIMESTAMP: {
      // PostgreSQL's text output with DateStyle ISO and TimeZone UTC:
      // "2026-11-24 08:00:00.123456+00" (fraction and offset optional).
      std::string s(text);
      absl::Time t;
      std::string err;
      for (const char* format :
           {"%Y-%m-%d %H:%M:%E*S%Ez", "%Y-%m-%d %H:%M:%E*S%z", "%Y-%m-%d %H:%M:%E*S"}) {
        std::string candidate = s;
        // "%Ez" wants "+00:00"; PostgreSQL writes "+00".
        if (candidate.size() > 3 && (candidate[candidate.size() - 3] == '+' ||
                                     candidate[candidate.size() - 3] == '-')) {
          candidate += ":00";
        }
        if (absl::ParseTime(format, candidate, absl::UTCTimeZone(), &t, &err)) {
          value.set_timestamp_micros(absl::ToUnixMicros(t));
          return value;
        }
      }
      break;
    }
    case v1::COLUMN_TYPE_NUMERIC:
      value.set_numeric_value(std::string(text));
      return value;
    case v1::COLUMN_TYPE_JSON:
      value.set_json_value(std::string(text));
      return value;
    default:
      break;
  }
  value.set_text_value(std::string(text));
  return value;
}

absl::Status CheckValue(const v1::Value& value, v1::ColumnType type,
                        absl::string_view field, absl::string_view where) {
  bool ok = false;
  switch (value.kind_case()) {
    case v1::Value::kNull:
      ok = true;
      break;
    case v1::Value::kIntValue:
      ok = type == v1::COLUMN_TYPE_INT || type == v1::COLUMN_TYPE_FLOAT ||
           type == v1::COLUMN_TYPE_NUMERIC;
      break;
    case v1::Value::kFloatValue:
      ok = type == v1::COLUMN_TYPE_FLOAT || type == v1::COLUMN_TYPE_NUMERIC;
      break;
    case v1::Value::kNumericValue:
      ok = type == v1::COLUMN_TYPE_NUMERIC && IsDecimal(value.numeric_value());
      break;
    case v1::Value::kTextValue:
      ok = type == v1::COLUMN_TYPE_TEXT || type == v1::COLUMN_TYPE_JSON ||
           type == v1::COLUMN_TYPE_TIMESTAMP;
      break;
    case v1::Value::kBoolValue:
      ok = type == v1::COLUMN_TYPE_BOOL;
      break;
    case v1::Value::kBytesValue:
      ok = type == v1::COLUMN_TYPE_BYTES;
      break;
    case v1::Value::kTimestampMicros:
      ok = type == v1::COLUMN_TYPE_TIMESTAMP;
      break;
    case v1::Value::kJsonValue:
      ok = type == v1::COLUMN_TYPE_JSON;
      break;
    case v1::Value::KIND_NOT_SET:
      ok = false;
      break;
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(where, ": field '", field, "' is ",
                                                 TypeName(type), ", got ", KindName(value)));
}

}  // namespace hyper::query
