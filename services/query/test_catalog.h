// A small blog schema as a Catalog, for unit tests of the compiler:
//   teams(id int8 pk, name text)
//   users(id int8 pk, name text, email text, team_id -> teams.id,
//         created timestamptz)
//   posts(id int8 pk, title text, author_id -> users.id,
//         editor_id -> users.id, score float8, views int4, published bool,
//         price numeric, meta jsonb, data bytea)
// The same tables are created in PostgreSQL by kBlogSchemaSql. Also small
// builders of values and filters for the tests.
#ifndef HYPER_SERVICES_QUERY_TEST_CATALOG_H_
#define HYPER_SERVICES_QUERY_TEST_CATALOG_H_

#include <string>
#include <utility>

#include "services/query/catalog.h"

namespace hyper::query {

inline constexpr char kBlogSchemaSql[] =
    "CREATE TABLE teams (id int8 PRIMARY KEY, name text NOT NULL);"
    "CREATE TABLE users (id int8 PRIMARY KEY, name text NOT NULL, email text,"
    "  team_id int8 REFERENCES teams(id), created timestamptz);"
    "CREATE TABLE posts (id int8 PRIMARY KEY, title text NOT NULL,"
    "  author_id int8 REFERENCES users(id), editor_id int8 REFERENCES users(id),"
    "  score float8, views int4 NOT NULL DEFAULT 0, published bool,"
    "  price numeric, meta jsonb, data bytea);";

inline Catalog BlogCatalog() {
  auto col = [](const char* name, const char* type, bool nullable = true) {
    return ColumnInfo{name, type, ColumnTypeFor(type), nullable};
  };
  Catalog catalog;
  catalog.AddModel(ModelInfo{"teams", "public", "teams",
                             {col("id", "int8", false), col("name", "text", false)},
                             {"id"}, {}, {}});
  catalog.AddModel(ModelInfo{
      "users", "public", "users",
      {col("id", "int8", false), col("name", "text", false), col("email", "text"),
       col("team_id", "int8"), col("created", "timestamptz")},
      {"id"},
      {{"team", "team_id", "teams", "id"}},
      {}});
  catalog.AddModel(ModelInfo{
      "posts", "public", "posts",
      {col("id", "int8", false), col("title", "text", false), col("author_id", "int8"),
       col("editor_id", "int8"), col("score", "float8"), col("views", "int4", false),
       col("published", "bool"), col("price", "numeric"), col("meta", "jsonb"),
       col("data", "bytea")},
      {"id"},
      {{"author", "author_id", "users", "id"}, {"editor", "editor_id", "users", "id"}},
      {}});
  catalog.Finish();
  return catalog;
}

inline v1::Value Int(int64_t n) {
  v1::Value v;
  v.set_int_value(n);
  return v;
}

inline v1::Value Text(const std::string& s) {
  v1::Value v;
  v.set_text_value(s);
  return v;
}

// A filter of one condition.
inline v1::Filter Cond(const std::string& field, v1::Lookup lookup, v1::Value value) {
  v1::Filter f;
  f.mutable_condition()->set_field(field);
  f.mutable_condition()->set_lookup(lookup);
  *f.mutable_condition()->mutable_value() = std::move(value);
  return f;
}

}  // namespace hyper::query

#endif  // HYPER_SERVICES_QUERY_TEST_CATALOG_H_
