#include "services/query/sql_compiler.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/query/values.h"

namespace hyper::query {
namespace {

v1::Column ToColumn(const ColumnInfo& info, absl::string_view name) {
  v1::Column column;
  column.set_name(std::string(name));
  column.set_type(info.type);
  column.set_pg_type(info.pg_type);
  return column;
}

// A field resolved to a table alias and a column.
struct Field {
  std::string alias;
  const ColumnInfo* column;
  std::string sql;  // alias."column"
};

// Builds one statement: joins along foreign keys, parameters, filters.
class Builder {
 public:
  Builder(const Catalog& catalog, const ModelInfo* root)
      : catalog_(catalog), root_(root) {}

  std::string Param(v1::Value value) {
    params_.push_back(std::move(value));
    return absl::StrCat("$", params_.size());
  }
  std::vector<v1::Value> TakeParams() { return std::move(params_); }
  size_t param_count() const { return params_.size(); }
  bool has_joins() const { return !joins_.empty(); }
  // The root model, then each joined model once.
  std::vector<std::string> Reads() const {
    std::vector<std::string> reads = {root_->name};
    for (const JoinInfo& join : joins_) AddModel(reads, join.model->name);
    return reads;
  }

  // The alias of the model at the end of a relation path ("author__team"),
  // adding LEFT JOINs as needed; `model` receives the model there.
  absl::StatusOr<std::string> Join(absl::string_view path, const ModelInfo** model) {
    std::string alias = "t0";
    const ModelInfo* current = root_;
    std::string prefix;
    for (absl::string_view relation : absl::StrSplit(path, "__")) {
      const ForeignKeyInfo* fk = current->FindForeignKey(relation);
      if (fk == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "unknown relation '", relation, "' on model '", current->name, "'"));
      }
      prefix = prefix.empty() ? std::string(relation) : absl::StrCat(prefix, "__", relation);
      const ModelInfo* target = catalog_.Find(fk->target_model);
      if (target == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("relation '", prefix, "' leads to unknown model '",
                         fk->target_model, "'"));
      }
      auto found = std::find_if(joins_.begin(), joins_.end(),
                                [&](const JoinInfo& j) { return j.path == prefix; });
      if (found == joins_.end()) {
        std::string next = absl::StrCat("t", joins_.size() + 1);
        joins_.push_back(JoinInfo{
            prefix, absl::StrCat(" LEFT JOIN ", target->QuotedTable(), " AS ", next,
                                 " ON ", next, ".", QuoteIdentifier(fk->target_column),
                                 " = ", alias, ".", QuoteIdentifier(fk->column)),
            next, target});
        alias = next;
      } else {
        alias = found->alias;
      }
      current = target;
    }
    *model = current;
    return alias;
  }

  // A field path: "title", "author__name", or a relation ("author" means
  // its foreign key column).
  absl::StatusOr<Field> Resolve(absl::string_view path, absl::string_view where) {
    if (path.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": field name is empty"));
    }
    size_t split = path.rfind("__");
    std::string alias = "t0";
    const ModelInfo* model = root_;
    absl::string_view column = path;
    if (split != absl::string_view::npos) {
      absl::StatusOr<std::string> joined = Join(path.substr(0, split), &model);
      if (!joined.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": ", joined.status().message()));
      }
      alias = *joined;
      column = path.substr(split + 2);
    }
    const ColumnInfo* info = model->FindColumn(column);
    if (info == nullptr) {
      if (const ForeignKeyInfo* fk = model->FindForeignKey(column)) {
        info = model->FindColumn(fk->column);
      }
    }
    if (info == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": unknown field '", path, "' on model '", model->name, "'"));
    }
    return Field{alias, info, absl::StrCat(alias, ".", QuoteIdentifier(info->name))};
  }

  absl::StatusOr<std::string> Filter(const v1::Filter& filter) {
    switch (filter.kind_case()) {
      case v1::Filter::KIND_NOT_SET:
        return std::string("TRUE");
      case v1::Filter::kCondition:
        return Condition(filter.condition());
      case v1::Filter::kNot: {
        absl::StatusOr<std::string> inner = Filter(filter.not_());
        if (!inner.ok()) return inner;
        return absl::StrCat("NOT (", *inner, ")");
      }
      case v1::Filter::kAll:
      case v1::Filter::kAny: {
        bool all = filter.kind_case() == v1::Filter::kAll;
        const v1::FilterList& list = all ? filter.all() : filter.any();
        if (list.filters_size() == 0) return std::string(all ? "TRUE" : "FALSE");
        std::vector<std::string> parts;
        for (const v1::Filter& child : list.filters()) {
          absl::StatusOr<std::string> part = Filter(child);
          if (!part.ok()) return part;
          parts.push_back(absl::StrCat("(", *part, ")"));
        }
        return absl::StrJoin(parts, all ? " AND " : " OR ");
      }
    }
    return absl::InvalidArgumentError("filter: unknown kind");
  }

  std::string From() const {
    std::string out = absl::StrCat(" FROM ", root_->QuotedTable(), " AS t0");
    for (const JoinInfo& join : joins_) out += join.sql;
    return out;
  }

 private:
  struct JoinInfo {
    std::string path;
    std::string sql;
    std::string alias;
    const ModelInfo* model;
  };

  absl::StatusOr<std::string> Condition(const v1::Condition& c) {
    absl::StatusOr<Field> field = Resolve(c.field(), "filter");
    if (!field.ok()) return field.status();
    const ColumnInfo& column = *field->column;
    auto check = [&](const v1::Value& v) {
      return CheckValue(v, column.type, c.field(), "filter");
    };
    auto single = [&](absl::string_view op) -> absl::StatusOr<std::string> {
      if (absl::Status s = check(c.value()); !s.ok()) return s;
      if (c.value().kind_case() == v1::Value::kNull) {
        return absl::InvalidArgumentError(absl::StrCat(
            "filter: field '", c.field(), "' cannot be compared with NULL by ", op,
            " (use isnull)"));
      }
      return absl::StrCat(field->sql, " ", op, " ", Param(c.value()));
    };
    auto like = [&](absl::string_view op, bool prefix_only) -> absl::StatusOr<std::string> {
      if (column.type != v1::COLUMN_TYPE_TEXT) {
        return absl::InvalidArgumentError(absl::StrCat(
            "filter: field '", c.field(), "' is ", TypeName(column.type),
            "; contains/startswith need text"));
      }
      if (c.value().kind_case() != v1::Value::kTextValue) {
        return absl::InvalidArgumentError(
            absl::StrCat("filter: field '", c.field(), "' needs a text_value"));
      }
      std::string pattern = prefix_only ? "" : "%";
      for (char ch : c.value().text_value()) {
        if (ch == '%' || ch == '_' || ch == '\\') pattern.push_back('\\');
        pattern.push_back(ch);
      }
      pattern.push_back('%');
      v1::Value p;
      p.set_text_value(pattern);
      return absl::StrCat(field->sql, " ", op, " ", Param(std::move(p)));
    };
    switch (c.lookup()) {
      case v1::LOOKUP_UNSPECIFIED:
      case v1::EXACT:
        if (c.value().kind_case() == v1::Value::kNull) {
          return absl::StrCat(field->sql, " IS NULL");
        }
        return single("=");
      case v1::LT: return single("<");
      case v1::LTE: return single("<=");
      case v1::GT: return single(">");
      case v1::GTE: return single(">=");
      case v1::IN: {
        if (c.values_size() == 0) return std::string("FALSE");
        std::vector<v1::Value> values;
        for (const v1::Value& v : c.values()) {
          if (absl::Status s = check(v); !s.ok()) return s;
          values.push_back(v);
        }
        v1::Value array;
        array.set_text_value(ArrayLiteral(values));
        return absl::StrCat(field->sql, " = ANY(", Param(std::move(array)), "::",
                            QuoteIdentifier(column.pg_type), "[])");
      }
      case v1::ISNULL:
        if (c.value().kind_case() != v1::Value::kBoolValue) {
          return absl::InvalidArgumentError(
              absl::StrCat("filter: isnull on '", c.field(), "' needs a bool_value"));
        }
        return absl::StrCat(field->sql, c.value().bool_value() ? " IS NULL" : " IS NOT NULL");
      case v1::CONTAINS: return like("LIKE", false);
      case v1::ICONTAINS: return like("ILIKE", false);
      case v1::STARTSWITH: return like("LIKE", true);
      case v1::RANGE: {
        if (c.values_size() != 2) {
          return absl::InvalidArgumentError(absl::StrCat(
              "filter: range on '", c.field(), "' needs exactly 2 values, got ",
              c.values_size()));
        }
        for (const v1::Value& v : c.values()) {
          if (absl::Status s = check(v); !s.ok()) return s;
          if (v.kind_case() == v1::Value::kNull) {
            return absl::InvalidArgumentError(
                absl::StrCat("filter: range on '", c.field(), "' cannot use NULL"));
          }
        }
        std::string low = Param(c.values(0));
        std::string high = Param(c.values(1));
        return absl::StrCat(field->sql, " BETWEEN ", low, " AND ", high);
      }
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("filter: unknown lookup ", static_cast<int>(c.lookup()),
                         " on '", c.field(), "'"));
    }
  }

  const Catalog& catalog_;
  const ModelInfo* root_;
  std::vector<v1::Value> params_;
  std::vector<JoinInfo> joins_;
};

absl::StatusOr<const ModelInfo*> RootModel(const Catalog& catalog,
                                           const std::string& model) {
  if (model.empty()) return absl::InvalidArgumentError("model: must not be empty");
  return catalog.Get(model);
}

bool HasFilter(const v1::Filter& filter) {
  return filter.kind_case() != v1::Filter::KIND_NOT_SET;
}

absl::Status RequireFilter(const v1::Filter& filter, bool all_rows,
                           absl::string_view verb) {
  if (HasFilter(filter) || all_rows) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "filter: required; set all_rows to ", verb, " every row"));
}

// " WHERE <filter>", or "" for an empty filter.
absl::StatusOr<std::string> WhereClause(Builder& builder, const v1::Filter& filter) {
  if (!HasFilter(filter)) return std::string();
  absl::StatusOr<std::string> sql = builder.Filter(filter);
  if (!sql.ok()) return sql.status();
  return absl::StrCat(" WHERE ", *sql);
}

// The RETURNING list of the root model's columns.
absl::StatusOr<std::string> Returning(const ModelInfo& model,
                                      const google::protobuf::RepeatedPtrField<std::string>& fields,
                                      absl::string_view alias,
                                      std::vector<v1::Column>* columns) {
  std::vector<std::string> parts;
  for (const std::string& name : fields) {
    const ColumnInfo* info = model.FindColumn(name);
    if (info == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "returning: unknown field '", name, "' on model '", model.name, "'"));
    }
    parts.push_back(alias.empty() ? QuoteIdentifier(name)
                                  : absl::StrCat(alias, ".", QuoteIdentifier(name)));
    columns->push_back(ToColumn(*info, name));
  }
  if (parts.empty()) return std::string();
  return absl::StrCat(" RETURNING ", absl::StrJoin(parts, ", "));
}

}  // namespace

std::string ArrayLiteral(const std::vector<v1::Value>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    std::optional<std::string> text = ValueToText(values[i]);
    if (!text.has_value()) {
      out.append("NULL");
      continue;
    }
    out.push_back('"');
    for (char c : *text) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

absl::StatusOr<CompiledQuery> CompileQuery(const Catalog& catalog,
                                           const v1::QueryRequest& request) {
  absl::StatusOr<const ModelInfo*> root = RootModel(catalog, request.model());
  if (!root.ok()) return root.status();
  if (request.limit() < 0 || request.offset() < 0) {
    return absl::InvalidArgumentError("limit and offset: must be >= 0");
  }
  Builder builder(catalog, *root);
  CompiledQuery out;
  out.limit = request.limit();
  std::vector<std::string> select;

  if (request.values_size() > 0) {
    for (const std::string& path : request.values()) {
      absl::StatusOr<Field> field = builder.Resolve(path, "values");
      if (!field.ok()) return field.status();
      select.push_back(field->sql);
      out.columns.push_back(ToColumn(*field->column, path));
    }
  } else {
    for (const ColumnInfo& column : (*root)->columns) {
      select.push_back(absl::StrCat("t0.", QuoteIdentifier(column.name)));
      out.columns.push_back(ToColumn(column, column.name));
    }
  }
  if (request.values_size() > 0 && request.select_related_size() > 0) {
    return absl::InvalidArgumentError(
        "select_related: cannot be combined with values (name related fields "
        "in values instead)");
  }
  // select_related: every prefix of every path, once each.
  for (const std::string& path : request.select_related()) {
    std::string prefix;
    for (absl::string_view relation : absl::StrSplit(path, "__")) {
      prefix = prefix.empty() ? std::string(relation) : absl::StrCat(prefix, "__", relation);
      if (std::any_of(out.related.begin(), out.related.end(),
                      [&](const RelatedBlock& b) { return b.path == prefix; })) {
        continue;
      }
      const ModelInfo* model = nullptr;
      absl::StatusOr<std::string> alias = builder.Join(prefix, &model);
      if (!alias.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("select_related: ", alias.status().message()));
      }
      RelatedBlock block{prefix, model, select.size(), {}};
      for (const ColumnInfo& column : model->columns) {
        select.push_back(absl::StrCat(*alias, ".", QuoteIdentifier(column.name)));
        block.columns.push_back(ToColumn(column, column.name));
      }
      out.related.push_back(std::move(block));
    }
  }

  // Hidden columns go after everything visible.
  auto position_of = [&](const std::string& sql) -> size_t {
    auto it = std::find(select.begin(), select.end(), sql);
    if (it != select.end()) return static_cast<size_t>(it - select.begin());
    select.push_back(sql);
    return select.size() - 1;
  };

  for (const std::string& relation : request.prefetch_related()) {
    const ReverseInfo* reverse = (*root)->FindReverse(relation);
    if (reverse == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "prefetch_related: unknown reverse relation '", relation, "' on model '",
          (*root)->name, "'"));
    }
    const ModelInfo* child = catalog.Find(reverse->source_model);
    const ColumnInfo* key = (*root)->FindColumn(reverse->target_column);
    if (child == nullptr || key == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("prefetch_related: relation '", relation, "' is incomplete"));
    }
    PrefetchPlan plan{relation, child, reverse->source_column, 0,
                      position_of(absl::StrCat("t0.", QuoteIdentifier(key->name))),
                      key->pg_type, {}};
    for (size_t i = 0; i < child->columns.size(); ++i) {
      if (child->columns[i].name == reverse->source_column) plan.child_column_position = i;
      plan.columns.push_back(ToColumn(child->columns[i], child->columns[i].name));
    }
    out.prefetch.push_back(std::move(plan));
  }

  std::vector<std::string> order;
  std::vector<Field> order_fields;
  for (const v1::OrderBy& o : request.order_by()) {
    absl::StatusOr<Field> field = builder.Resolve(o.field(), "order_by");
    if (!field.ok()) return field.status();
    order.push_back(absl::StrCat(field->sql, o.descending() ? " DESC" : " ASC"));
    order_fields.push_back(*field);
    out.cursor_positions.push_back(position_of(field->sql));
  }

  std::vector<std::string> where;
  if (HasFilter(request.filter())) {
    absl::StatusOr<std::string> filter = builder.Filter(request.filter());
    if (!filter.ok()) return filter.status();
    where.push_back(absl::StrCat("(", *filter, ")"));
  }
  if (request.after_size() > 0) {
    if (request.after_size() != request.order_by_size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "after: needs one value per order_by field (", request.order_by_size(),
          "), got ", request.after_size()));
    }
    // (f1 > a1) OR (f1 = a1 AND f2 > a2) OR ..., with < for descending.
    std::vector<std::string> params;
    for (int i = 0; i < request.after_size(); ++i) {
      const v1::Value& v = request.after(i);
      if (v.kind_case() == v1::Value::kNull) {
        return absl::InvalidArgumentError("after: cursor values cannot be NULL");
      }
      if (absl::Status s = CheckValue(v, order_fields[i].column->type,
                                      request.order_by(i).field(), "after");
          !s.ok()) {
        return s;
      }
      params.push_back(builder.Param(v));
    }
    std::vector<std::string> alternatives;
    for (int i = 0; i < request.after_size(); ++i) {
      std::vector<std::string> terms;
      for (int j = 0; j < i; ++j) {
        terms.push_back(absl::StrCat(order_fields[j].sql, " = ", params[j]));
      }
      terms.push_back(absl::StrCat(order_fields[i].sql,
                                   request.order_by(i).descending() ? " < " : " > ",
                                   params[i]));
      alternatives.push_back(absl::StrCat("(", absl::StrJoin(terms, " AND "), ")"));
    }
    where.push_back(absl::StrCat("(", absl::StrJoin(alternatives, " OR "), ")"));
  }

  std::string sql = absl::StrCat("SELECT ", request.distinct() ? "DISTINCT " : "",
                                 absl::StrJoin(select, ", "), builder.From());
  if (!where.empty()) absl::StrAppend(&sql, " WHERE ", absl::StrJoin(where, " AND "));
  if (!order.empty()) absl::StrAppend(&sql, " ORDER BY ", absl::StrJoin(order, ", "));
  v1::Value limit;
  limit.set_int_value(request.limit() == 0 || request.limit() > kMaxRows ? kMaxRows + 1
                                                                         : request.limit());
  absl::StrAppend(&sql, " LIMIT ", builder.Param(limit));
  if (request.offset() > 0) {
    v1::Value offset;
    offset.set_int_value(request.offset());
    absl::StrAppend(&sql, " OFFSET ", builder.Param(offset));
  }
  out.row_width = select.size();
  out.statement.sql = std::move(sql);
  out.statement.params = builder.TakeParams();
  out.statement.reads = builder.Reads();
  for (const PrefetchPlan& plan : out.prefetch) AddModel(out.statement.reads, plan.child->name);
  return out;
}

SqlStatement CompilePrefetch(const PrefetchPlan& plan,
                             const std::vector<v1::Value>& parent_keys) {
  std::vector<std::string> select;
  for (const v1::Column& column : plan.columns) {
    select.push_back(absl::StrCat("t0.", QuoteIdentifier(column.name())));
  }
  std::vector<std::string> order = {
      absl::StrCat("t0.", QuoteIdentifier(plan.child_column))};
  for (const std::string& key : plan.child->primary_key) {
    order.push_back(absl::StrCat("t0.", QuoteIdentifier(key)));
  }
  SqlStatement statement;
  statement.sql = absl::StrCat(
      "SELECT ", absl::StrJoin(select, ", "), " FROM ", plan.child->QuotedTable(),
      " AS t0 WHERE t0.", QuoteIdentifier(plan.child_column), " = ANY($1::",
      QuoteIdentifier(plan.key_pg_type), "[]) ORDER BY ", absl::StrJoin(order, ", "));
  v1::Value keys;
  keys.set_text_value(ArrayLiteral(parent_keys));
  statement.params.push_back(std::move(keys));
  return statement;
}

absl::StatusOr<SqlStatement> CompileCount(const Catalog& catalog,
                                          const v1::CountRequest& request) {
  absl::StatusOr<const ModelInfo*> root = RootModel(catalog, request.model());
  if (!root.ok()) return root.status();
  Builder builder(catalog, *root);
  absl::StatusOr<std::string> where = WhereClause(builder, request.filter());
  if (!where.ok()) return where.status();
  std::string what = "COUNT(*)";
  if (request.distinct()) {
    if ((*root)->primary_key.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "distinct: model '", (*root)->name, "' has no primary key"));
    }
    std::vector<std::string> keys;
    for (const std::string& key : (*root)->primary_key) {
      keys.push_back(absl::StrCat("t0.", QuoteIdentifier(key)));
    }
    what = absl::StrCat("COUNT(DISTINCT (", absl::StrJoin(keys, ", "), "))");
  }
  return SqlStatement{absl::StrCat("SELECT ", what, builder.From(), *where),
                      builder.TakeParams(), builder.Reads()};
}

absl::StatusOr<SqlStatement> CompileExists(const Catalog& catalog,
                                           const v1::ExistsRequest& request) {
  absl::StatusOr<const ModelInfo*> root = RootModel(catalog, request.model());
  if (!root.ok()) return root.status();
  Builder builder(catalog, *root);
  absl::StatusOr<std::string> where = WhereClause(builder, request.filter());
  if (!where.ok()) return where.status();
  return SqlStatement{absl::StrCat("SELECT 1", builder.From(), *where, " LIMIT 1"),
                      builder.TakeParams(), builder.Reads()};
}

namespace {

// The WHERE of an UPDATE/DELETE on alias t0. A filter across relations
// becomes `(t0.pk) IN (SELECT s0.pk FROM ... joins ... WHERE ...)`, since
// UPDATE/DELETE cannot LEFT JOIN.
absl::StatusOr<std::string> WriteWhere(const Catalog& catalog, const ModelInfo& model,
                                       const v1::Filter& filter, Builder& outer) {
  if (!HasFilter(filter)) return std::string();
  Builder probe(catalog, &model);
  absl::StatusOr<std::string> direct = probe.Filter(filter);
  if (!direct.ok()) return direct.status();
  if (!probe.has_joins()) {
    // Same filter again, numbering its parameters after the outer ones.
    absl::StatusOr<std::string> sql = outer.Filter(filter);
    if (!sql.ok()) return sql.status();
    return absl::StrCat(" WHERE ", *sql);
  }
  if (model.primary_key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "filter: model '", model.name,
        "' has no primary key, so it cannot be filtered across relations here"));
  }
  absl::StatusOr<std::string> inner = outer.Filter(filter);
  if (!inner.ok()) return inner.status();
  std::vector<std::string> keys;
  for (const std::string& key : model.primary_key) {
    keys.push_back(absl::StrCat("t0.", QuoteIdentifier(key)));
  }
  std::string key_list = absl::StrJoin(keys, ", ");
  // The subquery reuses aliases t0..tn; the outer table is "w".
  std::string from = outer.From();
  std::string outer_keys;
  for (size_t i = 0; i < model.primary_key.size(); ++i) {
    if (i > 0) outer_keys += ", ";
    absl::StrAppend(&outer_keys, "w.", QuoteIdentifier(model.primary_key[i]));
  }
  return absl::StrCat(" WHERE (", outer_keys, ") IN (SELECT ", key_list, from,
                      " WHERE ", *inner, ")");
}

}  // namespace

absl::StatusOr<CompiledWrite> CompileUpdate(const Catalog& catalog,
                                            const v1::UpdateRequest& request) {
  absl::StatusOr<const ModelInfo*> root = RootModel(catalog, request.model());
  if (!root.ok()) return root.status();
  const ModelInfo& model = **root;
  if (request.set_size() == 0) {
    return absl::InvalidArgumentError("set: at least one assignment is needed");
  }
  if (absl::Status s = RequireFilter(request.filter(), request.all_rows(), "update");
      !s.ok()) {
    return s;
  }
  Builder builder(catalog, &model);
  std::vector<std::string> sets;
  for (const v1::Assignment& a : request.set()) {
    const ColumnInfo* column = model.FindColumn(a.field());
    if (column == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "set: unknown field '", a.field(), "' on model '", model.name, "'"));
    }
    std::string target = QuoteIdentifier(column->name);
    if (a.source_case() == v1::Assignment::kValue) {
      if (absl::Status s = CheckValue(a.value(), column->type, a.field(), "set"); !s.ok()) {
        return s;
      }
      sets.push_back(absl::StrCat(target, " = ", builder.Param(a.value())));
      continue;
    }
    if (a.source_case() != v1::Assignment::kExpression) {
      return absl::InvalidArgumentError(
          absl::StrCat("set: field '", a.field(), "' has neither value nor expression"));
    }
    const v1::FieldExpression& e = a.expression();
    const ColumnInfo* operand_column = model.FindColumn(e.field());
    if (operand_column == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "set: unknown field '", e.field(), "' in the expression for '", a.field(), "'"));
    }
    auto numeric = [](v1::ColumnType t) {
      return t == v1::COLUMN_TYPE_INT || t == v1::COLUMN_TYPE_FLOAT ||
             t == v1::COLUMN_TYPE_NUMERIC;
    };
    if (!numeric(operand_column->type)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "set: expression field '", e.field(), "' is ", TypeName(operand_column->type),
          "; arithmetic needs a number"));
    }
    const char* op = nullptr;
    switch (e.op()) {
      case v1::ADD: op = " + "; break;
      case v1::SUBTRACT: op = " - "; break;
      case v1::MULTIPLY: op = " * "; break;
      case v1::DIVIDE: op = " / "; break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("set: expression for '", a.field(), "' has no operator"));
    }
    std::string operand;
    if (e.operand_case() == v1::FieldExpression::kValue) {
      if (e.value().kind_case() == v1::Value::kNull) {
        return absl::InvalidArgumentError(
            absl::StrCat("set: expression for '", a.field(), "' has a NULL operand"));
      }
      if (absl::Status s = CheckValue(e.value(), operand_column->type, e.field(), "set");
          !s.ok()) {
        return s;
      }
      operand = builder.Param(e.value());
    } else if (e.operand_case() == v1::FieldExpression::kOtherField) {
      const ColumnInfo* other = model.FindColumn(e.other_field());
      if (other == nullptr || !numeric(other->type)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "set: expression operand '", e.other_field(), "' is not a numeric field of '",
            model.name, "'"));
      }
      operand = QuoteIdentifier(other->name);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("set: expression for '", a.field(), "' has no operand"));
    }
    sets.push_back(absl::StrCat(target, " = ", QuoteIdentifier(operand_column->name), op,
                                operand));
  }
  absl::StatusOr<std::string> where = WriteWhere(catalog, model, request.filter(), builder);
  if (!where.ok()) return where.status();
  CompiledWrite out;
  absl::StatusOr<std::string> returning =
      Returning(model, request.returning(), "", &out.returning);
  if (!returning.ok()) return returning.status();
  bool subquery = absl::StrContains(*where, " IN (SELECT ");
  out.statement.sql = absl::StrCat("UPDATE ", model.QuotedTable(), " AS ",
                                   subquery ? "w" : "t0", " SET ",
                                   absl::StrJoin(sets, ", "), *where, *returning);
  out.statement.params = builder.TakeParams();
  return out;
}

absl::StatusOr<SqlStatement> CompileDelete(const Catalog& catalog,
                                           const v1::DeleteRequest& request) {
  absl::StatusOr<const ModelInfo*> root = RootModel(catalog, request.model());
  if (!root.ok()) return root.status();
  if (absl::Status s = RequireFilter(request.filter(), request.all_rows(), "delete");
      !s.ok()) {
    return s;
  }
  Builder builder(catalog, *root);
  absl::StatusOr<std::string> where = WriteWhere(catalog, **root, request.filter(), builder);
  if (!where.ok()) return where.status();
  bool subquery = absl::StrContains(*where, " IN (SELECT ");
  return SqlStatement{absl::StrCat("DELETE FROM ", (*root)->QuotedTable(), " AS ",
                                   subquery ? "w" : "t0", *where),
                      builder.TakeParams()};
}

absl::StatusOr<std::vector<CompiledWrite>> CompileBulkCreate(
    const Catalog& catalog, const v1::BulkCreateRequest& request) {
  absl::StatusOr<const ModelInfo*> root = RootModel(catalog, request.model());
  if (!root.ok()) return root.status();
  const ModelInfo& model = **root;
  if (request.fields_size() == 0) {
    return absl::InvalidArgumentError("fields: at least one field is needed");
  }
  std::vector<const ColumnInfo*> columns;
  std::vector<std::string> names;
  for (const std::string& field : request.fields()) {
    const ColumnInfo* column = model.FindColumn(field);
    if (column == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fields: unknown field '", field, "' on model '", model.name, "'"));
    }
    if (std::find(columns.begin(), columns.end(), column) != columns.end()) {
      return absl::InvalidArgumentError(absl::StrCat("fields: '", field, "' is repeated"));
    }
    columns.push_back(column);
    names.push_back(QuoteIdentifier(field));
  }
  std::vector<v1::Column> returning_columns;
  google::protobuf::RepeatedPtrField<std::string> returning = request.returning();
  if (returning.empty()) {
    for (const std::string& key : model.primary_key) *returning.Add() = key;
  }
  absl::StatusOr<std::string> returning_sql =
      Returning(model, returning, "", &returning_columns);
  if (!returning_sql.ok()) return returning_sql.status();

  size_t per_batch = std::min<size_t>(1000, kMaxParams / columns.size());
  std::vector<CompiledWrite> batches;
  for (int start = 0; start < request.rows_size(); start += static_cast<int>(per_batch)) {
    int end = std::min(request.rows_size(), start + static_cast<int>(per_batch));
    CompiledWrite batch;
    batch.returning = returning_columns;
    std::vector<std::string> tuples;
    for (int r = start; r < end; ++r) {
      const v1::Row& row = request.rows(r);
      if (row.values_size() != static_cast<int>(columns.size())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "rows[", r, "]: has ", row.values_size(), " values for ", columns.size(),
            " fields"));
      }
      std::vector<std::string> placeholders;
      for (size_t c = 0; c < columns.size(); ++c) {
        const v1::Value& value = row.values(static_cast<int>(c));
        if (!ValueFits(value, columns[c]->type)) {
          return CheckValue(value, columns[c]->type, columns[c]->name,
                            absl::StrCat("rows[", r, "]"));
        }
        batch.statement.params.push_back(value);
        placeholders.push_back(absl::StrCat("$", batch.statement.params.size()));
      }
      tuples.push_back(absl::StrCat("(", absl::StrJoin(placeholders, ", "), ")"));
    }
    batch.statement.sql = absl::StrCat("INSERT INTO ", model.QuotedTable(), " (",
                                       absl::StrJoin(names, ", "), ") VALUES ",
                                       absl::StrJoin(tuples, ", "), *returning_sql);
    batches.push_back(std::move(batch));
  }
  return batches;
}

}  // namespace hyper::query
