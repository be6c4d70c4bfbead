// Catalog: the models the query service knows, read from PostgreSQL's own
// catalog (pg_class, pg_attribute, pg_constraint): each table's columns and
// types, primary key, single-column foreign keys ("relations") and their
// reverse. Every name in a request is checked against it; only names found
// here ever reach SQL, and always quoted.
//
// Naming: tables in the `public` schema are models named by their table
// ("posts"); others are "schema.table". A foreign key column `author_id`
// gives the relation "author" (the column name without "_id"; a column not
// ending in "_id" names the relation by itself). Its reverse on the target
// is named after the referencing table ("posts"), or "posts_by_editor" when
// the same table refers to the target twice (table, "_by_", relation).
// Multi-column foreign keys are not relations (they are left out).
//
// Example:
//   Catalog catalog;
//   catalog.AddModel(ModelInfo{.name = "users", ...});
//   const ModelInfo* users = catalog.Find("users");
//   users->FindColumn("email")->type  // -> COLUMN_TYPE_TEXT
#ifndef HYPER_SERVICES_QUERY_CATALOG_H_
#define HYPER_SERVICES_QUERY_CATALOG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/hyper/query/v1/query.pb.h"

namespace hyper::query {

struct ColumnInfo {
  std::string name;
  std::string pg_type;  // typname: "int8", "varchar", "timestamptz", ...
  v1::ColumnType type = v1::COLUMN_TYPE_TEXT;
  bool nullable = true;
};

struct ForeignKeyInfo {
  std::string relation;       // "author"
  std::string column;         // "author_id"
  std::string target_model;   // "users"
  std::string target_column;  // "id"
};

struct ReverseInfo {
  std::string relation;       // "posts"
  std::string source_model;   // "posts"
  std::string source_column;  // "author_id"
  std::string target_column;  // the column of this model it refers to: "id"
};

struct ModelInfo {
  std::string name;    // "posts" or "schema.table"
  std::string schema;  // "public"
  std::string table;   // "posts"
  std::vector<ColumnInfo> columns;  // in table order
  std::vector<std::string> primary_key;
  std::vector<ForeignKeyInfo> foreign_keys;
  std::vector<ReverseInfo> reverse_relations;

  const ColumnInfo* FindColumn(absl::string_view column) const;
  const ForeignKeyInfo* FindForeignKey(absl::string_view relation) const;
  const ReverseInfo* FindReverse(absl::string_view relation) const;
  // `"schema"."table"`, quoted for SQL.
  std::string QuotedTable() const;
};

// The column type family for a PostgreSQL type name.
v1::ColumnType ColumnTypeFor(absl::string_view pg_type);

// `"name"` with embedded quotes doubled: a safe SQL identifier.
std::string QuoteIdentifier(absl::string_view name);

// Appends `model` to a list of model names unless it is there already (the
// lists a query reads and a write bumps name each model once).
void AddModel(std::vector<std::string>& models, absl::string_view model);

class Catalog {
 public:
  // Adds or replaces a model. Reverse relations are derived by Finish().
  void AddModel(ModelInfo model);
  // Derives reverse relations from every model's foreign keys. Call after
  // the last AddModel.
  void Finish();

  // nullptr when unknown.
  const ModelInfo* Find(absl::string_view model) const;
  // The model, or InvalidArgument "unknown model 'x'".
  absl::StatusOr<const ModelInfo*> Get(absl::string_view model) const;

  const std::map<std::string, ModelInfo>& models() const { return models_; }

  // The query that reads the catalog; its rows feed AddCatalogRow. Exposed
  // so the service runs it through its own connection.
  static const char* const kColumnsSql;
  static const char* const kConstraintsSql;

  // Builds a catalog from the two queries' text-format rows:
  //   columns:     schema, table, column, typname, nullable ("t"/"f")
  //   constraints: schema, table, contype ("p"/"f"), column,
  //                target schema, target table, target column
  // (one row per column of a constraint, in key order).
  static Catalog FromRows(const std::vector<std::vector<std::string>>& columns,
                          const std::vector<std::vector<std::string>>& constraints);

 private:
  std::map<std::string, ModelInfo> models_;
};

// Fills a v1::Model (for ListModels).
void ToProto(const ModelInfo& model, v1::Model* out);

}  // namespace hyper::query

#endif  // HYPER_SERVICES_QUERY_CATALOG_H_
