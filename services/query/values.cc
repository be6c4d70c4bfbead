#include "services/query/values.h"

#include "absl/strings/str_cat.h"

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

pg::Value ToPg(const v1::Value& v) {
  switch (v.kind_case()) {
    case v1::Value::kIntValue: return pg::Value::Int64(v.int_value());
    case v1::Value::kFloatValue: return pg::Value::Double(v.float_value());
    case v1::Value::kTextValue: return pg::Value::Text(v.text_value());
    case v1::Value::kBytesValue: return pg::Value::Bytes(v.bytes_value());
    case v1::Value::kBoolValue: return pg::Value::Bool(v.bool_value());
    case v1::Value::kTimestampMicros: return pg::Value::Timestamp(v.timestamp_micros());
    case v1::Value::kNumericValue: return pg::Value::Numeric(v.numeric_value());
    case v1::Value::kJsonValue: return pg::Value::Json(v.json_value());
    default: return pg::Value::Null();
  }
}

void AppendCopyField(const v1::Value& v, std::string* out) {
  switch (v.kind_case()) {
    case v1::Value::kIntValue:
      absl::StrAppend(out, v.int_value());
      return;
    case v1::Value::kTextValue:
      pg::AppendCopyText(v.text_value(), out);
      return;
    case v1::Value::kNumericValue:
      pg::AppendCopyText(v.numeric_value(), out);
      return;
    case v1::Value::kJsonValue:
      pg::AppendCopyText(v.json_value(), out);
      return;
    default:
      pg::AppendCopyField(ToPg(v), out);
  }
}

v1::Value FromPg(const pg::Value& p) {
  v1::Value v;
  switch (p.kind()) {
    case pg::ValueKind::kNull: v.set_null(true); break;
    case pg::ValueKind::kInt64: v.set_int_value(p.int64()); break;
    case pg::ValueKind::kDouble: v.set_float_value(p.dbl()); break;
    case pg::ValueKind::kBool: v.set_bool_value(p.boolean()); break;
    case pg::ValueKind::kText: v.set_text_value(p.str()); break;
    case pg::ValueKind::kBytes: v.set_bytes_value(p.str()); break;
    case pg::ValueKind::kTimestamp: v.set_timestamp_micros(p.timestamp_micros()); break;
    case pg::ValueKind::kNumeric: v.set_numeric_value(p.str()); break;
    case pg::ValueKind::kJson: v.set_json_value(p.str()); break;
  }
  return v;
}

namespace {

// The type whose text format FromCell should read for a column type.
pg::Oid OidFor(v1::ColumnType type) {
  switch (type) {
    case v1::COLUMN_TYPE_INT: return pg::kInt8Oid;
    case v1::COLUMN_TYPE_FLOAT: return pg::kFloat8Oid;
    case v1::COLUMN_TYPE_BOOL: return pg::kBoolOid;
    case v1::COLUMN_TYPE_BYTES: return pg::kByteaOid;
    case v1::COLUMN_TYPE_TIMESTAMP: return pg::kTimestampTzOid;
    case v1::COLUMN_TYPE_NUMERIC: return pg::kNumericOid;
    case v1::COLUMN_TYPE_JSON: return pg::kJsonbOid;
    default: return pg::kTextOid;
  }
}

}  // namespace

std::optional<std::string> ValueToText(const v1::Value& value) {
  return ToPg(value).ToParam();
}

v1::Value TextToValue(absl::string_view text, v1::ColumnType type) {
  return FromPg(pg::Value::FromCell(OidFor(type), text));
}

absl::Status CheckValue(const v1::Value& value, v1::ColumnType type,
                        absl::string_view field, absl::string_view where) {
  if (ValueFits(value, type)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(where, ": field '", field, "' is ",
                                                 TypeName(type), ", got ", KindName(value)));
}

bool ValueFits(const v1::Value& value, v1::ColumnType type) {
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
  return ok;
}

}  // namespace hyper::query
