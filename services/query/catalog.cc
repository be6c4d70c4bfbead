#include "services/query/catalog.h"

#include <algorithm>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hyper::query {

const ColumnInfo* ModelInfo::FindColumn(absl::string_view column) const {
  for (const ColumnInfo& c : columns) {
    if (c.name == column) return &c;
  }
  return nullptr;
}

const ForeignKeyInfo* ModelInfo::FindForeignKey(absl::string_view relation) const {
  for (const ForeignKeyInfo& fk : foreign_keys) {
    if (fk.relation == relation) return &fk;
  }
  return nullptr;
}

const ReverseInfo* ModelInfo::FindReverse(absl::string_view relation) const {
  for (const ReverseInfo& r : reverse_relations) {
    if (r.relation == relation) return &r;
  }
  return nullptr;
}

std::string QuoteIdentifier(absl::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string ModelInfo::QuotedTable() const {
  return absl::StrCat(QuoteIdentifier(schema), ".", QuoteIdentifier(table));
}

v1::ColumnType ColumnTypeFor(absl::string_view t) {
  if (t == "int2" || t == "int4" || t == "int8" || t == "oid") return v1::COLUMN_TYPE_INT;
  if (t == "float4" || t == "float8") return v1::COLUMN_TYPE_FLOAT;
  if (t == "bool") return v1::COLUMN_TYPE_BOOL;
  if (t == "bytea") return v1::COLUMN_TYPE_BYTES;
  if (t == "timestamp" || t == "timestamptz") return v1::COLUMN_TYPE_TIMESTAMP;
  if (t == "numeric") return v1::COLUMN_TYPE_NUMERIC;
  if (t == "json" || t == "jsonb") return v1::COLUMN_TYPE_JSON;
  return v1::COLUMN_TYPE_TEXT;
}

void Catalog::AddModel(ModelInfo model) {
  std::string name = model.name;
  models_[name] = std::move(model);
}

const ModelInfo* Catalog::Find(absl::string_view model) const {
  auto it = models_.find(std::string(model));
  return it == models_.end() ? nullptr : &it->second;
}

absl::StatusOr<const ModelInfo*> Catalog::Get(absl::string_view model) const {
  const ModelInfo* found = Find(model);
  if (found == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown model '", model, "'"));
  }
  return found;
}

void Catalog::Finish() {
  for (auto& [name, model] : models_) model.reverse_relations.clear();
  // Count how often each source model refers to each target, to name
  // reverse relations uniquely.
  std::map<std::pair<std::string, std::string>, int> refs;
  for (const auto& [name, model] : models_) {
    for (const ForeignKeyInfo& fk : model.foreign_keys) {
      ++refs[{name, fk.target_model}];
    }
  }
  for (const auto& [name, model] : models_) {
    for (const ForeignKeyInfo& fk : model.foreign_keys) {
      auto target = models_.find(fk.target_model);
      if (target == models_.end()) continue;
      bool several = refs[{name, fk.target_model}] > 1;
      std::string relation = several ? absl::StrCat(model.table, "_by_", fk.relation)
                                     : model.table;
      target->second.reverse_relations.push_back(
          ReverseInfo{relation, name, fk.column, fk.target_column});
    }
  }
}

const char* const Catalog::kColumnsSql =
    "SELECT n.nspname, c.relname, a.attname, t.typname, "
    "CASE WHEN a.attnotnull THEN 'f' ELSE 't' END "
    "FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
    "  AND a.attnum > 0 AND NOT a.attisdropped "
    "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
    "WHERE c.relkind IN ('r', 'p', 'v', 'm') "
    "  AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "  AND n.nspname NOT LIKE 'pg\\_%' "
    "ORDER BY n.nspname, c.relname, a.attnum";

const char* const Catalog::kConstraintsSql =
    "SELECT n.nspname, c.relname, k.contype, a.attname, "
    "  COALESCE(fn.nspname, ''), COALESCE(fc.relname, ''), COALESCE(fa.attname, '') "
    "FROM pg_catalog.pg_constraint k "
    "JOIN pg_catalog.pg_class c ON c.oid = k.conrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS key(attnum, pos) "
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = key.attnum "
    "LEFT JOIN pg_catalog.pg_class fc ON fc.oid = k.confrelid "
    "LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace "
    "LEFT JOIN pg_catalog.pg_attribute fa ON fa.attrelid = k.confrelid "
    "  AND fa.attnum = k.confkey[key.pos] "
    "WHERE k.contype IN ('p', 'f') "
    "  AND (k.contype = 'p' OR cardinality(k.conkey) = 1) "
    "  AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "  AND n.nspname NOT LIKE 'pg\\_%' "
    "ORDER BY n.nspname, c.relname, k.conname, key.pos";

namespace {

std::string ModelName(const std::string& schema, const std::string& table) {
  return schema == "public" ? table : absl::StrCat(schema, ".", table);
}

std::string RelationName(const std::string& column) {
  if (column.size() > 3 && absl::EndsWith(column, "_id")) {
    return column.substr(0, column.size() - 3);
  }
  return column;
}

}  // namespace

Catalog Catalog::FromRows(const std::vector<std::vector<std::string>>& columns,
                          const std::vector<std::vector<std::string>>& constraints) {
  Catalog catalog;
  for (const auto& row : columns) {
    if (row.size() < 5) continue;
    std::string name = ModelName(row[0], row[1]);
    ModelInfo& model = catalog.models_[name];
    model.name = name;
    model.schema = row[0];
    model.table = row[1];
    model.columns.push_back(
        ColumnInfo{row[2], row[3], ColumnTypeFor(row[3]), row[4] == "t"});
  }
  for (const auto& row : constraints) {
    if (row.size() < 7) continue;
    auto it = catalog.models_.find(ModelName(row[0], row[1]));
    if (it == catalog.models_.end()) continue;
    ModelInfo& model = it->second;
    if (row[2] == "p") {
      model.primary_key.push_back(row[3]);
    } else if (row[2] == "f" && !row[5].empty()) {
      model.foreign_keys.push_back(ForeignKeyInfo{
          RelationName(row[3]), row[3], ModelName(row[4], row[5]), row[6]});
    }
  }
  catalog.Finish();
  return catalog;
}

void ToProto(const ModelInfo& model, v1::Model* out) {
  out->set_name(model.name);
  for (const ColumnInfo& c : model.columns) {
    v1::Column* column = out->add_columns();
    column->set_name(c.name);
    column->set_type(c.type);
    column->set_pg_type(c.pg_type);
  }
  for (const std::string& key : model.primary_key) out->add_primary_key(key);
  for (const ForeignKeyInfo& fk : model.foreign_keys) {
    v1::ForeignKey* f = out->add_foreign_keys();
    f->set_name(fk.relation);
    f->set_column(fk.column);
    f->set_target_model(fk.target_model);
    f->set_target_column(fk.target_column);
  }
  for (const ReverseInfo& r : model.reverse_relations) {
    v1::ReverseRelation* rel = out->add_reverse_relations();
    rel->set_name(r.relation);
    rel->set_source_model(r.source_model);
    rel->set_source_column(r.source_column);
  }
}

void AddModel(std::vector<std::string>& models, absl::string_view model) {
  if (std::find(models.begin(), models.end(), model) == models.end()) {
    models.emplace_back(model);
  }
}

}  // namespace hyper::query
