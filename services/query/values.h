// Conversions between the API's typed values (v1::Value), the driver's
// (pg::Value) and PostgreSQL's text format, and the check of a value against
// a column's type. The text formats are the driver's own (pg::Value::ToParam
// and pg::Value::FromCell); this file only maps between the two models.
//
// Example:
//   v1::Value v; v.set_timestamp_micros(0);
//   ValueToText(v)   // -> "1970-01-01 00:00:00.000000+00"
//   v1::Value back = TextToValue("42", v1::COLUMN_TYPE_INT);  // int_value 42
#ifndef HYPER_SERVICES_QUERY_VALUES_H_
#define HYPER_SERVICES_QUERY_VALUES_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libs/pg/value.h"
#include "proto/hyper/query/v1/query.pb.h"

namespace hyper::query {

pg::Value ToPg(const v1::Value& value);
// Appends `value` as one COPY text field, as pg::AppendCopyField(ToPg(value))
// would, without building the pg::Value for ints and strings.
void AppendCopyField(const v1::Value& value, std::string* out);
v1::Value FromPg(const pg::Value& value);

// The text form PostgreSQL accepts for the value; nullopt for NULL (and for
// an unset Value). bytes become bytea hex ("\x0aff").
std::optional<std::string> ValueToText(const v1::Value& value);

// A result cell in text format to a typed value for a column type. Cells
// PostgreSQL sends that do not parse as the type come back as text.
v1::Value TextToValue(absl::string_view text, v1::ColumnType type);

// OK when `value` may be stored in / compared with a column of `type`:
// NULL always; int for int, float, numeric; float for float, numeric;
// numeric text for numeric; text for text and json (and timestamps, in ISO
// 8601); bool, bytes, timestamp, json each for their own type. Otherwise
// InvalidArgument "<where>: field '<field>' is <type>, got <kind>".
absl::Status CheckValue(const v1::Value& value, v1::ColumnType type,
                        absl::string_view field, absl::string_view where);
// CheckValue's test alone, for loops that format `where` only on failure.
bool ValueFits(const v1::Value& value, v1::ColumnType type);

// "int", "text", ... for messages.
absl::string_view TypeName(v1::ColumnType type);

}  // namespace hyper::query

#endif  // HYPER_SERVICES_QUERY_VALUES_H_
