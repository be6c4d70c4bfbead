// Value: one PostgreSQL parameter or result cell, and the text conversions
// between it and libpq's text format.
//
// A Value is NULL or one of: int64, double, bool, text, bytes (bytea),
// timestamp (int64 microseconds since the Unix epoch, UTC), numeric (decimal
// text, kept exact) or json (text). Parameters are sent in libpq's text
// format; result cells are read by their column's type OID.
//
// Example:
//   Value v = Value::Int64(42);
//   v.ToParam();                          // std::optional<std::string>("42")
//   Value::Null().ToParam();              // std::nullopt (SQL NULL)
//   Value::Bytes(std::string("a\0b", 3)).ToParam();  // "\\x610062"
//   Value::FromCell(kInt4Oid, "7").int64();          // 7
//   Value::FromCell(kTimestampTzOid, "1970-01-01 00:00:01+00").timestamp_micros();
//                                                    // 1000000
//   ColumnTypeName(kJsonbOid);                       // "jsonb"
#ifndef HYPER_LIBS_PG_VALUE_H_
#define HYPER_LIBS_PG_VALUE_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace hyper::pg {

// PostgreSQL type OIDs (pg_type.oid, fixed since forever; libpq does not
// export them). Oid is libpq's `unsigned int`.
using Oid = unsigned int;
inline constexpr Oid kBoolOid = 16;
inline constexpr Oid kByteaOid = 17;
inline constexpr Oid kNameOid = 19;
inline constexpr Oid kInt8Oid = 20;
inline constexpr Oid kInt2Oid = 21;
inline constexpr Oid kInt4Oid = 23;
inline constexpr Oid kTextOid = 25;
inline constexpr Oid kOidOid = 26;
inline constexpr Oid kJsonOid = 114;
inline constexpr Oid kFloat4Oid = 700;
inline constexpr Oid kFloat8Oid = 701;
inline constexpr Oid kBpcharOid = 1042;
inline constexpr Oid kVarcharOid = 1043;
inline constexpr Oid kTimestampOid = 1114;
inline constexpr Oid kTimestampTzOid = 1184;
inline constexpr Oid kNumericOid = 1700;
inline constexpr Oid kJsonbOid = 3802;
// "Let the server infer the type from context" (used for text, numeric,
// json and NULL parameters, so they fit any column type).
inline constexpr Oid kUnspecifiedOid = 0;

enum class ValueKind {
  kNull,
  kInt64,
  kDouble,
  kBool,
  kText,
  kBytes,
  kTimestamp,  // microseconds since 1970-01-01 00:00:00 UTC
  kNumeric,    // exact decimal text, e.g. "-12.340"
  kJson,       // JSON text (json or jsonb)
};

// "null", "int64", "double", "bool", "text", "bytes", "timestamp",
// "numeric", "json".
const char* ValueKindName(ValueKind kind);

class Value {
 public:
  // NULL.
  Value() = default;

  static Value Null() { return Value(); }
  static Value Int64(int64_t v);
  static Value Double(double v);
  static Value Bool(bool v);
  static Value Text(std::string v);
  // Arbitrary bytes, NULs included.
  static Value Bytes(std::string v);
  static Value Timestamp(int64_t micros_since_epoch_utc);
  // `decimal` is sent as-is; the server validates it.
  static Value Numeric(std::string decimal);
  static Value Json(std::string json);

  ValueKind kind() const { return kind_; }
  bool is_null() const { return kind_ == ValueKind::kNull; }

  // Accessors return the stored value when kind() matches and a zero value
  // ("", 0, false) otherwise; check kind() first when it matters.
  int64_t int64() const { return kind_ == ValueKind::kInt64 ? int_ : 0; }
  double dbl() const { return kind_ == ValueKind::kDouble ? double_ : 0.0; }
  bool boolean() const { return kind_ == ValueKind::kBool && int_ != 0; }
  int64_t timestamp_micros() const {
    return kind_ == ValueKind::kTimestamp ? int_ : 0;
  }
  // The string of a text, bytes, numeric or json value; "" otherwise.
  const std::string& str() const { return str_; }

  // libpq text-format parameter; std::nullopt for NULL. Doubles use the
  // shortest text that reads back exactly ("Infinity", "NaN" spelled out);
  // bytes use bytea hex ("\x..."); timestamps "YYYY-MM-DD HH:MM:SS.ffffff+00".
  std::optional<std::string> ToParam() const;

  // The parameter type OID to declare when preparing: int8, float8, bool,
  // bytea or timestamptz; kUnspecifiedOid for NULL, text, numeric and json
  // so that the server infers them from context.
  Oid ParamType() const;

  // Builds a Value from a text-format result cell of type `type`:
  // int2/4/8 and oid -> kInt64; float4/8 -> kDouble; bool -> kBool;
  // text/varchar/bpchar/name -> kText; bytea -> kBytes (hex or escape
  // output); timestamp/timestamptz -> kTimestamp (the session must use
  // DateStyle ISO and, for timestamptz, any TimeZone: the offset is read);
  // numeric -> kNumeric; json/jsonb -> kJson; anything else -> kText.
  // A cell that does not parse as its type (e.g. 'infinity' timestamps)
  // comes back as kText holding the server's text; never fails.
  static Value FromCell(Oid type, absl::string_view text);

  // For logs: `42`, `'it''s'`, `NULL`, `<bytes 3>`; text cut to 64 chars.
  std::string DebugString() const;

  friend bool operator==(const Value& a, const Value& b);
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

 private:
  ValueKind kind_ = ValueKind::kNull;
  int64_t int_ = 0;
  double double_ = 0.0;
  std::string str_;
};

// Writes DebugString() (for test failure messages).
inline std::ostream& operator<<(std::ostream& os, const Value& v) {
  return os << ValueKindName(v.kind()) << ":" << v.DebugString();
}

// The PostgreSQL name of a type OID ("int4", "timestamptz", ...), or
// "oid:<n>" for types this library does not know by name.
std::string ColumnTypeName(Oid type);

// Formats microseconds since the epoch as "YYYY-MM-DD HH:MM:SS.ffffff+00".
std::string FormatTimestampMicros(int64_t micros);

// Parses PostgreSQL's ISO output ("2024-01-02 03:04:05.5+02", offset
// optional meaning UTC, "+05:30" accepted) into microseconds since the epoch.
std::optional<int64_t> ParseTimestampMicros(absl::string_view text);

// COPY text format. A field is escaped: backslash, tab, newline and
// carriage return become \\ \t \n \r; NULL is \N. Fields are separated by
// a tab and every row ends with a newline.
// Appends `text` as one escaped field.
void AppendCopyText(absl::string_view text, std::string* out);
// Appends `value` as one field, in the text form ToParam() gives.
void AppendCopyField(const Value& value, std::string* out);
// The field alone.
std::string CopyTextField(const Value& value);

}  // namespace hyper::pg

#endif  // HYPER_LIBS_PG_VALUE_H_
