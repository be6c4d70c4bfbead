#include "services/query/explain_plan.h"

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libs/pg/value.h"
#include "services/query/result_mapping.h"

namespace hyper::query {
namespace {

namespace dom = simdjson::dom;

// Debian's abseil has its own string_view; simdjson speaks std's.
absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Malformed(absl::string_view what) {
  return absl::InternalError(absl::StrCat("malformed EXPLAIN JSON: ", what));
}

absl::StatusOr<double> AsDouble(dom::element value, std::string_view key) {
  double out = 0;
  if (value.get_double().get(out) != simdjson::SUCCESS) {
    return Malformed(absl::StrCat("\"", ToAbsl(key), "\" is not a number"));
  }
  return out;
}

absl::StatusOr<int64_t> AsInt64(dom::element value, std::string_view key) {
  int64_t out = 0;
  if (value.get_int64().get(out) == simdjson::SUCCESS) return out;
  // Block counts are integers; accept a float spelling rather than fail.
  double d = 0;
  if (value.get_double().get(d) == simdjson::SUCCESS) return static_cast<int64_t>(d);
  return Malformed(absl::StrCat("\"", ToAbsl(key), "\" is not an integer"));
}

absl::StatusOr<std::string> AsString(dom::element value, std::string_view key) {
  std::string_view out;
  if (value.get_string().get(out) != simdjson::SUCCESS) {
    return Malformed(absl::StrCat("\"", ToAbsl(key), "\" is not a string"));
  }
  return std::string(out);
}

// The plan-wide lists, kept distinct in first-seen order.
struct Collector {
  v1::ExplainResponse* response;
  absl::flat_hash_set<std::string> seq_tables;
  absl::flat_hash_set<std::string> indexes;
};

// simdjson's DOM parser caps nesting (1024 by default), which bounds this
// recursion.
absl::Status ParseNode(dom::element element, v1::PlanNode* node, Collector& collector) {
  dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) {
    return Malformed("a plan node is not an object");
  }
  bool has_type = false;
  for (dom::key_value_pair field : object) {
    std::string_view key = field.key;
    dom::element value = field.value;
    if (key == "Node Type") {
      absl::StatusOr<std::string> s = AsString(value, key);
      if (!s.ok()) return s.status();
      node->set_node_type(*std::move(s));
      has_type = true;
    } else if (key == "Relation Name") {
      absl::StatusOr<std::string> s = AsString(value, key);
      if (!s.ok()) return s.status();
      node->set_relation(*std::move(s));
    } else if (key == "Alias") {
      absl::StatusOr<std::string> s = AsString(value, key);
      if (!s.ok()) return s.status();
      node->set_alias(*std::move(s));
    } else if (key == "Index Name") {
      absl::StatusOr<std::string> s = AsString(value, key);
      if (!s.ok()) return s.status();
      node->set_index_name(*std::move(s));
    } else if (key == "Startup Cost" || key == "Total Cost" || key == "Plan Rows" ||
               key == "Actual Rows" || key == "Actual Loops" || key == "Actual Total Time") {
      absl::StatusOr<double> d = AsDouble(value, key);
      if (!d.ok()) return d.status();
      if (key == "Startup Cost") node->set_startup_cost(*d);
      if (key == "Total Cost") node->set_total_cost(*d);
      if (key == "Plan Rows") node->set_plan_rows(*d);
      if (key == "Actual Rows") node->set_actual_rows(*d);
      if (key == "Actual Loops") node->set_actual_loops(*d);
      if (key == "Actual Total Time") node->set_actual_total_ms(*d);
    } else if (key == "Shared Hit Blocks" || key == "Shared Read Blocks") {
      absl::StatusOr<int64_t> n = AsInt64(value, key);
      if (!n.ok()) return n.status();
      if (key == "Shared Hit Blocks") node->set_shared_hit_blocks(*n);
      if (key == "Shared Read Blocks") node->set_shared_read_blocks(*n);
    }
    // "Plans" is read after the loop, so that this node's own table and
    // index enter the plan-wide lists before its children's.
  }
  if (!has_type) return Malformed("a plan node has no \"Node Type\"");

  if (node->node_type() == "Seq Scan") {
    collector.response->set_has_seq_scan(true);
    if (!node->relation().empty() && collector.seq_tables.insert(node->relation()).second) {
      collector.response->add_seq_scan_tables(node->relation());
    }
  }
  if (!node->index_name().empty() && collector.indexes.insert(node->index_name()).second) {
    collector.response->add_index_scans(node->index_name());
  }

  dom::element plans;
  if (object.at_key("Plans").get(plans) == simdjson::SUCCESS) {
    dom::array children;
    if (plans.get_array().get(children) != simdjson::SUCCESS) {
      return Malformed("\"Plans\" is not an array");
    }
    for (dom::element child : children) {
      absl::Status status = ParseNode(child, node->add_children(), collector);
      if (!status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

// The single column of EXPLAIN (FORMAT JSON) output: json, read as kJson;
// accept text too in case a server or pooler reports it untyped.
absl::StatusOr<std::string> ExplainText(const pg::Result& result) {
  if (result.rows.size() != 1 || result.rows[0].size() != 1) {
    return absl::InternalError(
        absl::StrCat("EXPLAIN returned ", result.rows.size(), " rows, expected 1 row of 1 column"));
  }
  const pg::Value& cell = result.rows[0][0];
  if (cell.kind() != pg::ValueKind::kJson && cell.kind() != pg::ValueKind::kText) {
    return absl::InternalError(
        absl::StrCat("EXPLAIN returned a ", pg::ValueKindName(cell.kind()), " cell, expected json"));
  }
  return cell.str();
}

}  // namespace

absl::StatusOr<v1::ExplainResponse> ParseExplainJson(absl::string_view json) {
  dom::parser parser;
  dom::element document;
  // parse() copies into a padded buffer, so `json` needs no padding.
  simdjson::error_code error = parser.parse(json.data(), json.size()).get(document);
  if (error != simdjson::SUCCESS) {
    return Malformed(simdjson::error_message(error));
  }
  dom::array outer;
  if (document.get_array().get(outer) != simdjson::SUCCESS || outer.size() != 1) {
    return Malformed("expected an array holding one object");
  }
  dom::object top;
  if (outer.at(0).get_object().get(top) != simdjson::SUCCESS) {
    return Malformed("expected an array holding one object");
  }

  v1::ExplainResponse response;
  Collector collector{&response, {}, {}};
  dom::element plan;
  if (top.at_key("Plan").get(plan) != simdjson::SUCCESS) {
    return Malformed("no \"Plan\"");
  }
  absl::Status status = ParseNode(plan, response.mutable_root(), collector);
  if (!status.ok()) return status;

  dom::element value;
  if (top.at_key("Planning Time").get(value) == simdjson::SUCCESS) {
    absl::StatusOr<double> ms = AsDouble(value, "Planning Time");
    if (!ms.ok()) return ms.status();
    response.set_planning_ms(*ms);
  }
  if (top.at_key("Execution Time").get(value) == simdjson::SUCCESS) {
    absl::StatusOr<double> ms = AsDouble(value, "Execution Time");
    if (!ms.ok()) return ms.status();
    response.set_execution_ms(*ms);
  }
  response.set_raw_json(std::string(json));
  return response;
}

absl::StatusOr<std::string> ExplainSql(const std::string& sql, bool analyze, bool buffers) {
  if (buffers && !analyze) {
    return absl::InvalidArgumentError("EXPLAIN: buffers requires analyze");
  }
  std::string options = "FORMAT JSON";
  if (analyze) absl::StrAppend(&options, ", ANALYZE");
  if (buffers) absl::StrAppend(&options, ", BUFFERS");
  return absl::StrCat("EXPLAIN (", options, ") ", sql);
}

absl::StatusOr<v1::ExplainResponse> RunExplain(pg::Connection& conn,
                                               const SqlStatement& statement, bool analyze,
                                               bool buffers, absl::Time deadline) {
  absl::StatusOr<std::string> sql = ExplainSql(statement.sql, analyze, buffers);
  if (!sql.ok()) return sql.status();
  pg::Statement explain = ToPg(statement, deadline);
  explain.sql = *std::move(sql);

  absl::StatusOr<pg::Result> result;
  if (!analyze) {
    result = conn.Exec(explain);
  } else {
    absl::StatusOr<pg::Result> begin = conn.Exec("BEGIN");
    if (!begin.ok()) return begin.status();
    result = conn.Exec(explain);
    // Always: this undoes the statement's writes, and after a failed
    // EXPLAIN it ends the aborted transaction.
    absl::StatusOr<pg::Result> rollback = conn.Exec("ROLLBACK");
    if (result.ok() && !rollback.ok()) return rollback.status();
  }
  if (!result.ok()) return result.status();

  absl::StatusOr<std::string> json = ExplainText(*result);
  if (!json.ok()) return json.status();
  absl::StatusOr<v1::ExplainResponse> response = ParseExplainJson(*json);
  if (!response.ok()) return response.status();
  response->set_sql(statement.sql);
  return response;
}

}  // namespace hyper::query
