#include "services/query/result_mapping.h"

#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/json/writer.h"
#include "services/query/catalog.h"
#include "services/query/values.h"

namespace hyper::query {

pg::Statement ToPg(const SqlStatement& statement, absl::Time deadline) {
  pg::Statement out;
  out.sql = statement.sql;
  out.deadline = deadline;
  out.params.reserve(statement.params.size());
  for (const v1::Value& v : statement.params) out.params.push_back(ToPg(v));
  return out;
}

std::vector<v1::Value> PrefetchKeys(const PrefetchPlan& plan, const pg::Result& parents) {
  std::vector<v1::Value> keys;
  std::map<std::string, bool> seen;
  for (const auto& row : parents.rows) {
    const pg::Value& key = row[plan.parent_key_position];
    if (key.is_null()) continue;
    if (seen.emplace(key.DebugString(), true).second) keys.push_back(FromPg(key));
  }
  return keys;
}

void AppendRows(const pg::Result& result,
                google::protobuf::RepeatedPtrField<v1::Column>* columns,
                google::protobuf::RepeatedPtrField<v1::Row>* rows) {
  for (size_t i = 0; i < result.column_names.size(); ++i) {
    v1::Column* column = columns->Add();
    column->set_name(result.column_names[i]);
    std::string pg_type = pg::ColumnTypeName(result.column_types[i]);
    column->set_pg_type(pg_type);
    column->set_type(ColumnTypeFor(pg_type));
  }
  for (const auto& cells : result.rows) {
    v1::Row* row = rows->Add();
    for (const pg::Value& cell : cells) *row->add_values() = FromPg(cell);
  }
}

namespace {

void WriteJsonValue(json::JsonWriter& w, const v1::Value& v) {
  switch (v.kind_case()) {
    case v1::Value::kIntValue: w.Int(v.int_value()); break;
    case v1::Value::kFloatValue: w.Double(v.float_value()); break;
    case v1::Value::kTextValue: w.String(v.text_value()); break;
    case v1::Value::kBytesValue: w.String(*ValueToText(v)); break;  // "\x.." hex
    case v1::Value::kBoolValue: w.Bool(v.bool_value()); break;
    case v1::Value::kTimestampMicros: w.String(*ValueToText(v)); break;
    case v1::Value::kNumericValue: w.String(v.numeric_value()); break;  // exact
    case v1::Value::kJsonValue: w.Raw(v.json_value()); break;
    default: w.Null(); break;
  }
}

void WriteJsonRow(json::JsonWriter& w, const v1::Row& row,
                  const google::protobuf::RepeatedPtrField<v1::Column>& columns,
                  const v1::QueryResponse& response, const std::string& path) {
  w.StartObject();
  for (int i = 0; i < row.values_size() && i < columns.size(); ++i) {
    w.Key(columns[i].name());
    WriteJsonValue(w, row.values(i));
  }
  for (const auto& [name, related] : row.related()) {
    std::string child = path.empty() ? name : absl::StrCat(path, "__", name);
    w.Key(name);
    WriteJsonRow(w, related, response.related_columns().at(child).columns(), response, child);
  }
  for (const auto& [name, list] : row.prefetched()) {
    w.Key(name);
    w.StartArray();
    for (const v1::Row& r : list.rows()) {
      WriteJsonRow(w, r, response.related_columns().at(name).columns(), response, name);
    }
    w.EndArray();
  }
  // Nested related rows that are absent (NULL foreign key) are null.
  for (const auto& [key, columns_list] : response.related_columns()) {
    std::string prefix = path.empty() ? "" : absl::StrCat(path, "__");
    if (key.rfind(prefix, 0) != 0) continue;
    std::string rest = key.substr(prefix.size());
    if (rest.find("__") != std::string::npos) continue;
    if (row.related().count(rest) == 0 && row.prefetched().count(rest) == 0) {
      w.Key(rest);
      w.Null();
    }
  }
  w.EndObject();
}

}  // namespace

absl::Status BuildQueryResponse(const CompiledQuery& compiled, const pg::Result& main,
                                const std::vector<pg::Result>& prefetched,
                                v1::ResultFormat format, v1::QueryResponse* out) {
  if (static_cast<int64_t>(main.rows.size()) > kMaxRows) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "limit: the result has more than ", kMaxRows,
        " rows; use a limit and keyset pagination (after)"));
  }
  v1::QueryResponse& response = *out;
  for (const v1::Column& c : compiled.columns) *response.add_columns() = c;
  for (const RelatedBlock& block : compiled.related) {
    v1::ColumnList& list = (*response.mutable_related_columns())[block.path];
    for (const v1::Column& c : block.columns) *list.add_columns() = c;
  }
  for (const PrefetchPlan& plan : compiled.prefetch) {
    v1::ColumnList& list = (*response.mutable_related_columns())[plan.relation];
    for (const v1::Column& c : plan.columns) *list.add_columns() = c;
  }

  // Children of each prefetch, grouped by their foreign key.
  std::vector<std::map<std::string, v1::RowList>> children(compiled.prefetch.size());
  for (size_t p = 0; p < compiled.prefetch.size() && p < prefetched.size(); ++p) {
    for (const auto& cells : prefetched[p].rows) {
      v1::Row child;
      for (const pg::Value& cell : cells) *child.add_values() = FromPg(cell);
      const std::string key =
          cells[compiled.prefetch[p].child_column_position].DebugString();
      *children[p][key].add_rows() = std::move(child);
    }
  }

  for (const auto& cells : main.rows) {
    v1::Row* row = response.add_rows();
    for (size_t i = 0; i < compiled.columns.size(); ++i) {
      *row->add_values() = FromPg(cells[i]);
    }
    for (const RelatedBlock& block : compiled.related) {
      // An absent relation (NULL foreign key) has a NULL primary key.
      size_t key = block.first;
      for (size_t c = 0; c < block.model->columns.size(); ++c) {
        if (!block.model->primary_key.empty() &&
            block.model->columns[c].name == block.model->primary_key[0]) {
          key = block.first + c;
        }
      }
      if (cells[key].is_null()) continue;
      // Walk to the parent of this block's last relation.
      v1::Row* parent = row;
      std::vector<std::string> parts = absl::StrSplit(block.path, "__");
      bool reachable = true;
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        auto it = parent->mutable_related()->find(parts[i]);
        if (it == parent->mutable_related()->end()) {
          reachable = false;
          break;
        }
        parent = &it->second;
      }
      if (!reachable) continue;
      v1::Row& related = (*parent->mutable_related())[parts.back()];
      for (size_t c = 0; c < block.columns.size(); ++c) {
        *related.add_values() = FromPg(cells[block.first + c]);
      }
    }
    for (size_t p = 0; p < compiled.prefetch.size(); ++p) {
      const PrefetchPlan& plan = compiled.prefetch[p];
      v1::RowList& list = (*row->mutable_prefetched())[plan.relation];
      const pg::Value& key = cells[plan.parent_key_position];
      if (key.is_null()) continue;
      auto it = children[p].find(key.DebugString());
      if (it != children[p].end()) list = it->second;
    }
  }

  if (compiled.limit > 0 && static_cast<int64_t>(main.rows.size()) == compiled.limit &&
      !main.rows.empty()) {
    for (size_t pos : compiled.cursor_positions) {
      *response.add_next_cursor() = FromPg(main.rows.back()[pos]);
    }
  }

  if (format == v1::JSON) {
    std::string json;
    json::JsonWriter w(&json);
    w.StartArray();
    for (const v1::Row& row : response.rows()) {
      WriteJsonRow(w, row, response.columns(), response, "");
    }
    w.EndArray();
    if (!w.ok()) {
      return absl::InternalError("a text value in the result is not valid UTF-8");
    }
    response.clear_rows();
    response.set_json(std::move(json));
  }
  return absl::OkStatus();
}

}  // namespace hyper::query
