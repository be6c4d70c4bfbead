#include "services/bench/explain_baseline.h"

#include <simdjson.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/json/reader.h"
#include "libs/json/writer.h"

namespace hyper::bench {
namespace {

namespace dom = simdjson::dom;

// ---------------------------------------------------------------------------
// Writing

// One JSON value as text, escaped by the shared writer.
std::string JsonString(absl::string_view s) {
  std::string out;
  json::JsonWriter(&out).String(s);
  return out;
}

std::string JsonDouble(double d) {
  std::string out;
  json::JsonWriter(&out).Double(d);
  return out;
}

std::string JsonStrings(const std::vector<std::string>& list) {
  std::string out;
  json::JsonWriter w(&out);
  w.StartArray();
  for (const std::string& s : list) w.String(s);
  w.EndArray();
  return out;
}

// ---------------------------------------------------------------------------
// Reading: every error names the field's path.

absl::Status Bad(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

// The member `key` of `object`, or an error naming `path.key`.
absl::StatusOr<dom::element> Member(dom::object object, absl::string_view path,
                                    absl::string_view key) {
  dom::element value;
  if (object.at_key(json::ToStd(key)).get(value) != simdjson::SUCCESS) {
    return Bad(path.empty() ? std::string(key) : absl::StrCat(path, ".", key), "missing");
  }
  return value;
}

std::string Path(absl::string_view path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

absl::Status GetString(dom::object o, absl::string_view path, absl::string_view key,
                       std::string* out) {
  absl::StatusOr<dom::element> v = Member(o, path, key);
  if (!v.ok()) return v.status();
  absl::string_view s;
  if (json::ReadString(*v, &s) != json::ReadResult::kOk) {
    return Bad(Path(path, key), "expected a string");
  }
  *out = std::string(s);
  return absl::OkStatus();
}

absl::Status GetInt(dom::object o, absl::string_view path, absl::string_view key,
                    int64_t* out) {
  absl::StatusOr<dom::element> v = Member(o, path, key);
  if (!v.ok()) return v.status();
  if (json::ReadInt64(*v, out) != json::ReadResult::kOk || *out < 0) {
    return Bad(Path(path, key), "expected a non-negative integer");
  }
  return absl::OkStatus();
}

absl::Status GetMs(dom::object o, absl::string_view path, absl::string_view key, double* out) {
  absl::StatusOr<dom::element> v = Member(o, path, key);
  if (!v.ok()) return v.status();
  if (json::ReadDouble(*v, out) != json::ReadResult::kOk) {
    return Bad(Path(path, key), "expected a number");
  }
  if (!(*out >= 0)) return Bad(Path(path, key), "expected a time >= 0");
  return absl::OkStatus();
}

absl::Status GetBool(dom::object o, absl::string_view path, absl::string_view key, bool* out) {
  absl::StatusOr<dom::element> v = Member(o, path, key);
  if (!v.ok()) return v.status();
  if (json::ReadBool(*v, out) != json::ReadResult::kOk) {
    return Bad(Path(path, key), "expected true or false");
  }
  return absl::OkStatus();
}

absl::Status GetStrings(dom::object o, absl::string_view path, absl::string_view key,
                        std::vector<std::string>* out) {
  absl::StatusOr<dom::element> v = Member(o, path, key);
  if (!v.ok()) return v.status();
  dom::array array;
  if (v->get_array().get(array) != simdjson::SUCCESS) {
    return Bad(Path(path, key), "expected an array of strings");
  }
  size_t i = 0;
  for (dom::element item : array) {
    absl::string_view s;
    if (json::ReadString(item, &s) != json::ReadResult::kOk) {
      return Bad(absl::StrCat(Path(path, key), "[", i, "]"), "expected a string");
    }
    out->emplace_back(s);
    ++i;
  }
  return absl::OkStatus();
}

absl::StatusOr<dom::object> AsObject(dom::element e, absl::string_view path) {
  dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) {
    return Bad(path.empty() ? "(top level)" : path, "expected an object");
  }
  return o;
}

absl::StatusOr<QueryResult> ParseQuery(dom::element e, const std::string& path) {
  absl::StatusOr<dom::object> o = AsObject(e, path);
  if (!o.ok()) return o.status();
  QueryResult q;
  absl::Status s = GetString(*o, path, "name", &q.name);
  if (s.ok() && q.name.empty()) s = Bad(Path(path, "name"), "must not be empty");
  if (s.ok()) s = GetMs(*o, path, "execution_ms", &q.execution_ms);
  if (s.ok()) s = GetMs(*o, path, "planning_ms", &q.planning_ms);
  if (s.ok()) s = GetInt(*o, path, "rows", &q.rows);
  if (s.ok()) s = GetString(*o, path, "root_node", &q.root_node);
  if (s.ok()) s = GetStrings(*o, path, "indexes", &q.indexes);
  if (s.ok()) s = GetStrings(*o, path, "seq_scan_tables", &q.seq_scan_tables);
  if (s.ok()) s = GetBool(*o, path, "path_taken", &q.path_taken);
  if (!s.ok()) return s;
  return q;
}

std::string Ms(double ms) { return absl::StrFormat("%.2f ms", ms); }

}  // namespace

absl::string_view FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kPathNotTaken: return "path_not_taken";
    case FindingKind::kNewSeqScan: return "new_seq_scan";
    case FindingKind::kSlower: return "slower";
    case FindingKind::kFaster: return "faster";
    case FindingKind::kMissing: return "missing";
    case FindingKind::kNew: return "new";
  }
  return "unknown";
}

bool Comparison::failed() const {
  for (const Finding& f : findings) {
    if (f.failure) return true;
  }
  return false;
}

int Comparison::count(FindingKind kind) const {
  int n = 0;
  for (const Finding& f : findings) n += f.kind == kind ? 1 : 0;
  return n;
}

absl::StatusOr<Comparison> Compare(const std::vector<QueryResult>& run, const SeedSize& seed,
                                   const Baseline* baseline, const CompareOptions& options) {
  if (!(options.threshold > 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threshold: must be > 1, got ", options.threshold));
  }
  if (!(options.improvement > 0 && options.improvement < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("improvement: must be in (0, 1), got ", options.improvement));
  }
  if (!(options.noise_ms >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--noise_ms: must be >= 0, got ", options.noise_ms));
  }
  if (baseline != nullptr && baseline->seed.posts != seed.posts) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the baseline was seeded with --posts=", baseline->seed.posts, ", this run with --posts=",
        seed.posts, ": times of different data sets do not compare; run with --posts=",
        baseline->seed.posts, " or save a new baseline with --save-baseline"));
  }
  absl::flat_hash_map<std::string, const QueryResult*> before;
  if (baseline != nullptr) {
    for (const QueryResult& q : baseline->queries) before[q.name] = &q;
  }
  Comparison out;
  auto add = [&out](const std::string& query, FindingKind kind, bool failure,
                    std::string message) {
    out.findings.push_back({query, kind, failure, absl::StrCat(query, ": ", message)});
  };
  absl::flat_hash_set<std::string> seen;
  for (const QueryResult& q : run) {
    seen.insert(q.name);
    if (!q.path_taken) {
      add(q.name, FindingKind::kPathNotTaken, true,
          absl::StrCat("declared access path not taken (plan used indexes [",
                       absl::StrJoin(q.indexes, ", "), "], seq scans [",
                       absl::StrJoin(q.seq_scan_tables, ", "), "])"));
    }
    if (baseline == nullptr) continue;
    auto it = before.find(q.name);
    if (it == before.end()) {
      add(q.name, FindingKind::kNew, false, "not in the baseline");
      continue;
    }
    const QueryResult& b = *it->second;
    std::vector<std::string> new_tables;
    for (const std::string& t : q.seq_scan_tables) {
      bool known = false;
      for (const std::string& old : b.seq_scan_tables) known = known || old == t;
      if (!known) new_tables.push_back(t);
    }
    if (!new_tables.empty()) {
      add(q.name, FindingKind::kNewSeqScan, true,
          absl::StrCat("new Seq Scan on ", absl::StrJoin(new_tables, ", "),
                       " (the baseline plan had ",
                       b.seq_scan_tables.empty() ? "none"
                                                 : absl::StrJoin(b.seq_scan_tables, ", "),
                       ")"));
    }
    double ratio = b.execution_ms > 0 ? q.execution_ms / b.execution_ms : 0;
    double diff = q.execution_ms - b.execution_ms;
    if (q.execution_ms > options.threshold * b.execution_ms && diff >= options.noise_ms) {
      add(q.name, FindingKind::kSlower, true,
          absl::StrFormat("%s vs baseline %s (%.2fx, limit %.2fx)", Ms(q.execution_ms),
                          Ms(b.execution_ms), ratio, options.threshold));
    } else if (q.execution_ms < options.improvement * b.execution_ms &&
               -diff >= options.noise_ms) {
      add(q.name, FindingKind::kFaster, false,
          absl::StrFormat("%s vs baseline %s (%.2fx): improvement", Ms(q.execution_ms),
                          Ms(b.execution_ms), ratio));
    }
  }
  if (baseline != nullptr) {
    for (const QueryResult& b : baseline->queries) {
      if (!seen.contains(b.name)) {
        add(b.name, FindingKind::kMissing, false, "in the baseline but not in this run");
      }
    }
  }
  return out;
}

std::string BaselineToJson(const Baseline& b) {
  std::string out = "{\n";
  absl::StrAppend(&out, "  \"version\": ", b.version, ",\n");
  absl::StrAppend(&out, "  \"tool\": \"hyper benchmark\",\n");
  absl::StrAppend(&out, "  \"timestamp\": ", JsonString(b.timestamp), ",\n");
  absl::StrAppend(&out, "  \"database\": ", JsonString(b.database), ",\n");
  absl::StrAppend(&out, "  \"seed\": {\"users\": ", b.seed.users, ", \"posts\": ", b.seed.posts,
                  ", \"comments\": ", b.seed.comments, ", \"votes\": ", b.seed.votes, "},\n");
  absl::StrAppend(&out, "  \"repeat\": ", b.repeat, ",\n");
  absl::StrAppend(&out, "  \"queries\": [");
  for (size_t i = 0; i < b.queries.size(); ++i) {
    const QueryResult& q = b.queries[i];
    absl::StrAppend(&out, i == 0 ? "\n" : ",\n", "    {\"name\": ", JsonString(q.name),
                    ", \"execution_ms\": ", JsonDouble(q.execution_ms),
                    ", \"planning_ms\": ", JsonDouble(q.planning_ms), ", \"rows\": ", q.rows,
                    ",\n     \"root_node\": ", JsonString(q.root_node),
                    ", \"indexes\": ", JsonStrings(q.indexes),
                    ", \"seq_scan_tables\": ", JsonStrings(q.seq_scan_tables),
                    ", \"path_taken\": ", q.path_taken ? "true" : "false", "}");
  }
  absl::StrAppend(&out, b.queries.empty() ? "]\n" : "\n  ]\n", "}\n");
  return out;
}

absl::StatusOr<Baseline> BaselineFromJson(absl::string_view text) {
  json::JsonReader reader;
  absl::StatusOr<dom::element> root = reader.Parse(text);
  if (!root.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("not valid JSON: ", root.status().message()));
  }
  absl::StatusOr<dom::object> top = AsObject(*root, "");
  if (!top.ok()) return top.status();
  Baseline b;
  int64_t version = 0;
  absl::Status s = GetInt(*top, "", "version", &version);
  if (s.ok() && version != 1) {
    s = Bad("version", absl::StrCat("expected 1, got ", version,
                                    " (written by a newer hyper benchmark?)"));
  }
  if (s.ok()) s = GetString(*top, "", "timestamp", &b.timestamp);
  if (s.ok()) s = GetString(*top, "", "database", &b.database);
  int64_t repeat = 0;
  if (s.ok()) s = GetInt(*top, "", "repeat", &repeat);
  if (!s.ok()) return s;
  b.repeat = static_cast<int>(repeat);

  absl::StatusOr<dom::element> seed = Member(*top, "", "seed");
  if (!seed.ok()) return seed.status();
  absl::StatusOr<dom::object> seed_object = AsObject(*seed, "seed");
  if (!seed_object.ok()) return seed_object.status();
  s = GetInt(*seed_object, "seed", "users", &b.seed.users);
  if (s.ok()) s = GetInt(*seed_object, "seed", "posts", &b.seed.posts);
  if (s.ok()) s = GetInt(*seed_object, "seed", "comments", &b.seed.comments);
  if (s.ok()) s = GetInt(*seed_object, "seed", "votes", &b.seed.votes);
  if (!s.ok()) return s;

  absl::StatusOr<dom::element> queries = Member(*top, "", "queries");
  if (!queries.ok()) return queries.status();
  dom::array array;
  if (queries->get_array().get(array) != simdjson::SUCCESS) {
    return Bad("queries", "expected an array");
  }
  absl::flat_hash_set<std::string> names;
  size_t i = 0;
  for (dom::element item : array) {
    std::string path = absl::StrCat("queries[", i++, "]");
    absl::StatusOr<QueryResult> q = ParseQuery(item, path);
    if (!q.ok()) return q.status();
    if (!names.insert(q->name).second) {
      return Bad(Path(path, "name"), absl::StrCat("'", q->name, "' appears twice"));
    }
    b.queries.push_back(*std::move(q));
  }
  return b;
}

absl::StatusOr<Baseline> ReadBaselineFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::InvalidArgumentError(
        absl::StrCat("baseline ", path, ": cannot read: ", std::strerror(errno)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<Baseline> b = BaselineFromJson(buffer.str());
  if (!b.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("baseline ", path, ": ", b.status().message(),
                     " (fix the file, or replace it with --save-baseline)"));
  }
  return b;
}

absl::Status WriteBaselineFile(const std::string& path, const Baseline& baseline) {
  std::string temp = absl::StrCat(path, ".tmp");
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) {
    return absl::InternalError(absl::StrCat("cannot write ", temp, ": ", std::strerror(errno)));
  }
  std::string text = BaselineToJson(baseline);
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    int error = errno;
    std::remove(temp.c_str());
    return absl::InternalError(absl::StrCat("cannot write ", path, ": ", std::strerror(error)));
  }
  return absl::OkStatus();
}

}  // namespace hyper::bench
