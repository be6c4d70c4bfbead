#include "services/bench/explain_suite.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "libs/json/writer.h"
#include "libs/service/grpc_status.h"
#include "proto/hyper/query/v1/query.grpc.pb.h"
#include "services/bench/copy_stream.h"
#include "services/bench/explain_queries.h"
#include "services/bench/load_driver.h"
#include "services/bench/progress.h"
#include "services/bench/query_values.h"
#include "services/bench/seed_data.h"

namespace hyper::bench {
namespace {

namespace v1 = ::hyper::query::v1;

const std::string kSchema(kBenchSchema);

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  absl::Status converted = service::FromGrpcStatus(status);
  if (converted.ok()) return converted;
  return absl::Status(converted.code(), absl::StrCat(what, ": ", converted.message()));
}

void SetDeadline(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
}

// A thin synchronous client: the suite is sequential by nature (one Explain
// at a time, so the timings do not disturb each other).
class Client {
 public:
  explicit Client(const std::string& address)
      : address_(address),
        // Shared and never destroyed: seeding streams with gRPC's callback
        // API, and gRPC 1.51 can crash when the last callback channel goes
        // and a new one is made (a second run in the same process).
        channel_(SharedChannel(address)),
        stub_(v1::QueryService::NewStub(channel_)) {}

  v1::QueryService::Stub* stub() { return stub_.get(); }

  absl::Status Connect(absl::Duration timeout) {
    auto deadline = std::chrono::system_clock::now() +
                    std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout));
    if (!channel_->WaitForConnected(deadline)) {
      return absl::UnavailableError(absl::StrCat(
          "cannot connect to the query service at ", address_, " within ",
          absl::FormatDuration(timeout), " (is it running? --query_addr sets the address)"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<v1::ExecuteResponse> Execute(const std::string& sql,
                                              std::vector<v1::Value> params = {},
                                              absl::Duration timeout = absl::Minutes(5)) {
    grpc::ClientContext context;
    SetDeadline(&context, timeout);
    v1::ExecuteRequest request;
    request.set_sql(sql);
    for (v1::Value& p : params) *request.add_params() = std::move(p);
    v1::ExecuteResponse response;
    absl::Status s = FromGrpc(stub_->Execute(&context, request, &response),
                              absl::StrCat("Execute(", sql.substr(0, 80), ")"));
    if (!s.ok()) return s;
    return response;
  }

  absl::Status ReloadModels() {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Minutes(1));
    v1::ListModelsRequest request;
    request.set_reload(true);
    v1::ListModelsResponse response;
    return FromGrpc(stub_->ListModels(&context, request, &response), "ListModels");
  }

  absl::StatusOr<v1::ExplainResponse> Explain(const BenchQuery& query, const Fixtures& f) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Minutes(2));
    v1::ExplainRequest request;
    request.mutable_execute()->set_sql(query.sql);
    for (v1::Value& p : query.params(f)) *request.mutable_execute()->add_params() = std::move(p);
    request.set_analyze(true);
    request.set_buffers(true);
    v1::ExplainResponse response;
    absl::Status s = FromGrpc(stub_->Explain(&context, request, &response),
                              absl::StrCat("Explain(", query.name, ")"));
    if (!s.ok()) return s;
    return response;
  }

 private:
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::QueryService::Stub> stub_;
};

// The first row's cells, or NotFound naming `what`.
absl::StatusOr<v1::Row> FirstRow(absl::StatusOr<v1::ExecuteResponse> r, absl::string_view what) {
  if (!r.ok()) return r.status();
  if (r->rows_size() == 0) return absl::NotFoundError(absl::StrCat(what, ": no row"));
  return r->rows(0);
}

// --- schema state ----------------------------------------------------------

enum class SchemaState { kAbsent, kOurs, kForeign };

absl::StatusOr<SchemaState> Inspect(Client& client) {
  absl::StatusOr<v1::Row> row = FirstRow(
      client.Execute(absl::StrCat(
          "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '", kSchema, "'), "
          "to_regclass('", kSchema, ".seed_info') IS NOT NULL")),
      "schema check");
  if (!row.ok()) return row.status();
  if (!row->values(0).bool_value()) return SchemaState::kAbsent;
  return row->values(1).bool_value() ? SchemaState::kOurs : SchemaState::kForeign;
}

absl::Status ForeignSchemaError() {
  return absl::FailedPreconditionError(absl::StrCat(
      "schema ", kSchema, " exists but hyper benchmark did not create it (it has no ", kSchema,
      ".seed_info table); drop or rename it yourself, hyper benchmark will not"));
}

absl::Status DropSchema(Client& client) {
  absl::StatusOr<v1::ExecuteResponse> r =
      client.Execute(absl::StrCat("DROP SCHEMA IF EXISTS ", kSchema, " CASCADE"));
  if (!r.ok()) return r.status();
  return client.ReloadModels();
}

// Whether seed_info says the schema holds exactly `size` of this generator.
absl::StatusOr<bool> HoldsSeed(Client& client, const SeedSize& size) {
  absl::StatusOr<v1::ExecuteResponse> r = client.Execute(absl::StrCat(
      "SELECT generator, users, posts, comments, votes FROM ", kSchema,
      ".seed_info WHERE complete"));
  if (!r.ok()) return r.status();
  if (r->rows_size() != 1) return false;
  const v1::Row& row = r->rows(0);
  return row.values(0).int_value() == kGeneratorVersion &&
         row.values(1).int_value() == size.users && row.values(2).int_value() == size.posts &&
         row.values(3).int_value() == size.comments && row.values(4).int_value() == size.votes;
}

// --- seeding ---------------------------------------------------------------

// Ends a seeding stream: the rows written, or its error naming the table.
absl::StatusOr<int64_t> FinishCopy(CopyStream& stream) {
  absl::Status s = FromGrpc(stream.Finish(), absl::StrCat("CopyIn(", stream.model(), ")"));
  if (!s.ok()) return s;
  return stream.rows_written();
}

void AddInt(v1::Row* row, int64_t n) { row->add_values()->set_int_value(n); }
void AddFloat(v1::Row* row, double d) { row->add_values()->set_float_value(d); }
void AddText(v1::Row* row, const std::string& s) { row->add_values()->set_text_value(s); }
void AddTime(v1::Row* row, absl::Time t) {
  row->add_values()->set_timestamp_micros(absl::ToUnixMicros(t));
}

absl::Status Seed(Client& client, const SeedSize& size, std::FILE* log) {
  // pg_trgm: reuse it where it is installed, else install it inside our
  // schema (so dropping the schema removes it again).
  absl::StatusOr<v1::ExecuteResponse> trgm = client.Execute(
      "SELECT quote_ident(n.nspname) FROM pg_extension e "
      "JOIN pg_namespace n ON n.oid = e.extnamespace "
      "WHERE e.extname = 'pg_trgm'");
  if (!trgm.ok()) return trgm.status();
  std::vector<std::string> ddl = {absl::StrCat("CREATE SCHEMA ", kSchema)};
  std::string trgm_schema = kSchema;
  if (trgm->rows_size() > 0) {
    trgm_schema = trgm->rows(0).values(0).text_value();  // quoted by the server
  } else {
    ddl.push_back(absl::StrCat("CREATE EXTENSION pg_trgm WITH SCHEMA ", kSchema));
  }
  for (std::string& s : CreateTablesSql()) ddl.push_back(std::move(s));
  for (const std::string& sql : ddl) {
    absl::StatusOr<v1::ExecuteResponse> r = client.Execute(sql);
    if (!r.ok()) {
      if (sql.find("pg_trgm") != std::string::npos) {
        return absl::FailedPreconditionError(absl::StrCat(
            r.status().message(),
            " (the title search needs pg_trgm: install postgresql-contrib, and run as a role "
            "that may CREATE EXTENSION)"));
      }
      return r.status();
    }
  }
  if (absl::Status s = client.ReloadModels(); !s.ok()) return s;

  const int64_t total = size.users + size.posts + size.comments + size.votes;
  Progress progress(log, "seed", total);
  SeedData data(size);
  {
    CopyStream users(client.stub(), kSchema + ".users", {"id", "username", "karma", "created_at"});
    for (int64_t id = 1; id <= size.users; ++id) {
      UserRow u = data.User(id);
      v1::Row* row = users.AddRow();
      AddInt(row, u.id);
      AddText(row, u.username);
      AddInt(row, u.karma);
      AddTime(row, u.created_at);
    }
    absl::StatusOr<int64_t> n = FinishCopy(users);
    if (!n.ok()) return n.status();
    progress.Advance(*n);
  }
  // Three COPYs at once, on three server connections: PostgreSQL parses
  // and writes them in parallel while this thread generates rows.
  CopyStream posts(client.stub(), kSchema + ".posts",
                   {"id", "author_id", "title", "body", "upvotes", "downvotes", "score",
                    "num_comments", "hot_score", "controversy_score", "velocity", "is_deleted",
                    "created_at"});
  CopyStream comments(client.stub(), kSchema + ".comments",
                      {"id", "post_id", "author_id", "score", "body", "created_at"});
  CopyStream votes(client.stub(), kSchema + ".votes",
                   {"user_id", "post_id", "value", "created_at"});
  constexpr int64_t kChunk = 1000;  // posts per message
  for (int64_t first = 1; first <= size.posts; first += kChunk) {
    int64_t last = std::min(size.posts, first + kChunk - 1);
    for (int64_t id = first; id <= last; ++id) {
      PostRow p = data.Post(id);
      v1::Row* row = posts.AddRow();
      AddInt(row, p.id);
      AddInt(row, p.author_id);
      AddText(row, p.title);
      AddText(row, p.body);
      AddInt(row, p.upvotes);
      AddInt(row, p.downvotes);
      AddInt(row, p.score);
      AddInt(row, p.num_comments);
      AddFloat(row, p.hot_score);
      AddFloat(row, p.controversy_score);
      AddFloat(row, p.velocity);
      row->add_values()->set_bool_value(p.is_deleted);
      AddTime(row, p.created_at);
      for (const CommentRow& c : data.Comments(p)) {
        v1::Row* r = comments.AddRow();
        AddInt(r, c.id);
        AddInt(r, c.post_id);
        AddInt(r, c.author_id);
        AddInt(r, c.score);
        AddText(r, c.body);
        AddTime(r, c.created_at);
      }
      for (const VoteRow& v : data.Votes(p)) {
        v1::Row* r = votes.AddRow();
        AddInt(r, v.user_id);
        AddInt(r, v.post_id);
        AddInt(r, v.value);
        AddTime(r, v.created_at);
      }
    }
    posts.Send();
    comments.Send();
    votes.Send();
    int64_t n = last - first + 1;
    progress.Advance(n * (1 + kCommentsPerPost + kVotesPerPost));
  }
  for (CopyStream* stream : {&posts, &comments, &votes}) {
    absl::StatusOr<int64_t> n = FinishCopy(*stream);
    if (!n.ok()) return n.status();
  }
  progress.Done();

  absl::Time start = absl::Now();
  const SeedCompletionSql completion = SeedCompletionSqlFor(size);
  std::vector<std::string> statements = CreateIndexesSql(trgm_schema);
  statements.push_back(completion.mark_started);
  for (const std::string& sql : statements) {
    absl::StatusOr<v1::ExecuteResponse> r = client.Execute(sql);
    if (!r.ok()) return r.status();
  }
  int attempt = 1;
  for (;; ++attempt) {
    absl::StatusOr<v1::ExecuteResponse> r = client.Execute(completion.vacuum);
    if (!r.ok()) return r.status();
    absl::StatusOr<v1::Row> visible = FirstRow(client.Execute(completion.all_visible),
                                               "visibility check");
    if (!visible.ok()) return visible.status();
    if (visible->values(0).bool_value()) break;
    if (attempt == 50) {
      return absl::DeadlineExceededError(
          "seed: VACUUM did not mark every page all-visible after 50 tries; a long "
          "transaction on the database holds it back (see pg_stat_activity)");
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  absl::StatusOr<v1::ExecuteResponse> done = client.Execute(completion.mark_complete);
  if (!done.ok()) return done.status();
  std::fprintf(log, "seed: keys, indexes and VACUUM ANALYZE (%d pass%s) in %.2f s\n", attempt,
               attempt == 1 ? "" : "es", absl::ToDoubleSeconds(absl::Now() - start));
  return client.ReloadModels();
}

// --- the run ---------------------------------------------------------------

absl::StatusOr<Fixtures> LookUpFixtures(Client& client, const SeedSize& size) {
  Fixtures f;
  absl::StatusOr<v1::Row> post =
      FirstRow(client.Execute(kFixturePostSql, {Int(std::max<int64_t>(1, size.posts / 2))}),
               "a live post");
  if (!post.ok()) return post.status();
  f.post_id = post->values(0).int_value();
  absl::StatusOr<v1::Row> author = FirstRow(client.Execute(kFixtureAuthorSql), "an author");
  if (!author.ok()) return author.status();
  f.author_id = author->values(0).int_value();
  absl::StatusOr<v1::Row> vote =
      FirstRow(client.Execute(kFixtureVoteSql, {Int(f.post_id)}), "a vote");
  if (!vote.ok()) return vote.status();
  f.vote_user_id = vote->values(0).int_value();
  f.vote_post_id = vote->values(1).int_value();
  absl::StatusOr<v1::Row> cursor = FirstRow(
      client.Execute(kFixtureCursorSql, {Int(std::min<int64_t>(100, size.posts / 4))}),
      "a keyset cursor");
  if (!cursor.ok()) return cursor.status();
  f.cursor_hot_score = cursor->values(0).float_value();
  f.cursor_id = cursor->values(1).int_value();
  f.rising_since_micros = absl::ToUnixMicros(kReferenceTime - absl::Hours(24));
  return f;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

absl::StatusOr<QueryResult> Measure(Client& client, const BenchQuery& query, const Fixtures& f,
                                    int repeat) {
  std::vector<double> exec, plan;
  v1::ExplainResponse last;
  for (int i = 0; i < repeat; ++i) {
    absl::StatusOr<v1::ExplainResponse> r = client.Explain(query, f);
    if (!r.ok()) return r.status();
    exec.push_back(r->execution_ms());
    plan.push_back(r->planning_ms());
    last = *std::move(r);
  }
  QueryResult q;
  q.name = query.name;
  q.execution_ms = Median(exec);
  q.planning_ms = Median(plan);
  q.rows = static_cast<int64_t>(last.root().actual_rows());
  q.root_node = last.root().node_type();
  q.indexes.assign(last.index_scans().begin(), last.index_scans().end());
  q.seq_scan_tables.assign(last.seq_scan_tables().begin(), last.seq_scan_tables().end());
  q.path_taken = PathTaken(query, q.indexes, q.seq_scan_tables);
  return q;
}

std::string NowRfc3339() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
}

absl::Status CheckOptions(const ExplainOptions& o) {
  if (o.address.empty()) return absl::InvalidArgumentError("--query_addr: must not be empty");
  if (o.posts < kMinPosts || o.posts > 10000000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--posts: must be in [", kMinPosts, ", 10000000], got ", o.posts,
        " (below ", kMinPosts, " the tables fit in a few pages and PostgreSQL rightly "
        "prefers Seq Scans to the declared indexes)"));
  }
  if (o.repeat < 1 || o.repeat > 100) {
    return absl::InvalidArgumentError(absl::StrCat("--repeat: must be in [1, 100], got ", o.repeat));
  }
  if (o.baseline_path.empty()) return absl::InvalidArgumentError("--baseline: must not be empty");
  // Range checks of the comparison options, before any work.
  absl::StatusOr<Comparison> c = Compare({}, {}, nullptr, o.compare);
  return c.status();
}

}  // namespace

absl::StatusOr<ExplainRun> RunExplainSuite(const ExplainOptions& options) {
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  ExplainRun run;
  run.seed = SeedSizeFor(options.posts);
  run.repeat = options.repeat;
  run.baseline_path = options.baseline_path;
  // A malformed baseline fails before minutes of seeding, not after.
  if (!options.save_baseline && !options.drop) {
    absl::StatusOr<Baseline> b = ReadBaselineFile(options.baseline_path);
    if (b.ok()) {
      run.baseline = *std::move(b);
    } else if (b.status().code() != absl::StatusCode::kNotFound) {
      return b.status();
    }
  }

  Client client(options.address);
  if (absl::Status s = client.Connect(options.connect_timeout); !s.ok()) return s;
  absl::StatusOr<v1::Row> where = FirstRow(
      client.Execute("SELECT concat(coalesce(host(inet_server_addr()), 'socket'), ':', "
                     "coalesce(inet_server_port(), 0), '/', current_database())",
                     {}, absl::Seconds(30)),
      "database name");
  if (!where.ok()) return where.status();
  run.database = where->values(0).text_value();

  absl::StatusOr<SchemaState> state = Inspect(client);
  if (!state.ok()) return state.status();
  if (*state == SchemaState::kForeign) return ForeignSchemaError();
  if (options.drop) {
    if (absl::Status s = DropSchema(client); !s.ok()) return s;
    std::fprintf(options.log, "dropped schema %s on %s\n", kSchema.c_str(), run.database.c_str());
    run.dropped = true;
    return run;
  }

  bool holds = false;
  if (*state == SchemaState::kOurs) {
    absl::StatusOr<bool> h = HoldsSeed(client, run.seed);
    if (!h.ok()) return h.status();
    holds = *h;
  }
  if (holds) {
    std::fprintf(options.log,
                 "seed: %s already holds %s posts; not reseeding (--drop starts over)\n",
                 kSchema.c_str(), WithCommas(run.seed.posts).c_str());
  } else {
    absl::Time start = absl::Now();
    if (*state == SchemaState::kOurs) {
      std::fprintf(options.log, "seed: %s holds another seed; dropping it\n", kSchema.c_str());
      if (absl::Status s = DropSchema(client); !s.ok()) return s;
    }
    if (absl::Status s = Seed(client, run.seed, options.log); !s.ok()) return s;
    run.reseeded = true;
    run.seed_seconds = absl::ToDoubleSeconds(absl::Now() - start);
    std::fprintf(options.log, "seed: %s posts ready in %.2f s\n",
                 WithCommas(run.seed.posts).c_str(), run.seed_seconds);
  }

  absl::StatusOr<Fixtures> fixtures = LookUpFixtures(client, run.seed);
  if (!fixtures.ok()) return fixtures.status();
  absl::Time start = absl::Now();
  for (const BenchQuery& query : BenchQueries()) {
    absl::StatusOr<QueryResult> q = Measure(client, query, *fixtures, options.repeat);
    if (!q.ok()) return q.status();
    run.results.push_back(*std::move(q));
  }
  run.queries_seconds = absl::ToDoubleSeconds(absl::Now() - start);

  const Baseline* against = run.baseline.has_value() ? &*run.baseline : nullptr;
  absl::StatusOr<Comparison> comparison =
      Compare(run.results, run.seed, against, options.compare);
  if (!comparison.ok()) return comparison.status();
  run.comparison = *std::move(comparison);

  if (options.save_baseline && !run.comparison.failed()) {
    Baseline b{.timestamp = NowRfc3339(),
               .database = run.database,
               .seed = run.seed,
               .repeat = options.repeat,
               .queries = run.results};
    if (absl::Status s = WriteBaselineFile(options.baseline_path, b); !s.ok()) return s;
    run.baseline_saved = true;
  }
  return run;
}

std::string FormatExplainTable(const ExplainRun& run) {
  if (run.dropped) return "";
  std::string out = absl::StrFormat("%-18s %9s %9s %7s  %-16s %-8s %-6s %s\n", "query",
                                    "exec ms", "plan ms", "rows", "root node", "vs base",
                                    "path", "indexes used");
  const std::vector<BenchQuery>& queries = BenchQueries();
  for (size_t i = 0; i < run.results.size(); ++i) {
    const QueryResult& q = run.results[i];
    std::string ratio = "-";
    if (run.baseline.has_value()) {
      for (const QueryResult& b : run.baseline->queries) {
        if (b.name == q.name && b.execution_ms > 0) {
          ratio = absl::StrFormat("%.2fx", q.execution_ms / b.execution_ms);
        }
      }
    }
    std::string indexes = absl::StrJoin(q.indexes, ", ");
    if (!q.seq_scan_tables.empty()) {
      absl::StrAppend(&indexes, indexes.empty() ? "" : "; ", "Seq Scan on ",
                      absl::StrJoin(q.seq_scan_tables, ", "));
    }
    absl::StrAppendFormat(&out, "%-18s %9.3f %9.3f %7d  %-16s %-8s %-6s %s\n", q.name,
                          q.execution_ms, q.planning_ms, q.rows, q.root_node, ratio,
                          q.path_taken ? "taken" : "MISSED", indexes);
    if (!q.path_taken && i < queries.size()) {
      absl::StrAppend(&out, "    declared: ", absl::StrJoin(queries[i].declared_indexes, " + "),
                      " -- ", queries[i].why, "\n");
    }
  }
  out.push_back('\n');
  for (const Finding& f : run.comparison.findings) {
    absl::StrAppend(&out, f.failure ? "FAIL " : "note ", f.message, "\n");
  }
  double total_exec = 0;
  for (const QueryResult& q : run.results) total_exec += q.execution_ms;
  absl::StrAppendFormat(
      &out, "%d queries x %d runs: %.2f s wall (median execution times sum to %.2f ms); ",
      run.results.size(), run.repeat, run.queries_seconds, total_exec);
  if (run.reseeded) {
    absl::StrAppendFormat(&out, "seeded %s posts in %.2f s", WithCommas(run.seed.posts),
                          run.seed_seconds);
  } else {
    absl::StrAppendFormat(&out, "seed of %s posts reused", WithCommas(run.seed.posts));
  }
  absl::StrAppend(&out, "; database ", run.database, "\n");
  int taken = 0;
  for (const QueryResult& q : run.results) taken += q.path_taken ? 1 : 0;
  std::string against =
      run.baseline.has_value()
          ? absl::StrCat("against ", run.baseline_path, " of ", run.baseline->timestamp)
          : absl::StrCat("no baseline at ", run.baseline_path,
                         " (--save-baseline writes one)");
  absl::StrAppendFormat(&out, "%s: %d/%d declared paths taken; %s",
                        run.comparison.failed() ? "FAIL" : "PASS", taken, run.results.size(),
                        against);
  if (run.baseline.has_value()) {
    absl::StrAppendFormat(&out, ": %d slower, %d new seq scans, %d faster, %d missing",
                          run.comparison.count(FindingKind::kSlower),
                          run.comparison.count(FindingKind::kNewSeqScan),
                          run.comparison.count(FindingKind::kFaster),
                          run.comparison.count(FindingKind::kMissing));
  }
  out.push_back('\n');
  if (run.baseline_saved) absl::StrAppend(&out, "baseline saved to ", run.baseline_path, "\n");
  return out;
}

std::string FormatExplainJson(const ExplainRun& run) {
  std::string out;
  json::JsonWriter w(&out);
  w.StartObject();
  w.Key("database");
  w.String(run.database);
  w.Key("dropped");
  w.Bool(run.dropped);
  w.Key("seed");
  w.StartObject();
  w.Key("users");
  w.Int(run.seed.users);
  w.Key("posts");
  w.Int(run.seed.posts);
  w.Key("comments");
  w.Int(run.seed.comments);
  w.Key("votes");
  w.Int(run.seed.votes);
  w.Key("reseeded");
  w.Bool(run.reseeded);
  w.Key("seconds");
  w.Double(run.seed_seconds);
  w.EndObject();
  w.Key("repeat");
  w.Int(run.repeat);
  w.Key("queries_seconds");
  w.Double(run.queries_seconds);
  w.Key("queries");
  w.StartArray();
  const std::vector<BenchQuery>& queries = BenchQueries();
  for (size_t i = 0; i < run.results.size(); ++i) {
    const QueryResult& q = run.results[i];
    w.StartObject();
    w.Key("name");
    w.String(q.name);
    if (i < queries.size()) {
      w.Key("sql");
      w.String(queries[i].sql);
      w.Key("declared_indexes");
      w.StartArray();
      for (const std::string& d : queries[i].declared_indexes) w.String(d);
      w.EndArray();
      w.Key("why");
      w.String(queries[i].why);
    }
    w.Key("execution_ms");
    w.Double(q.execution_ms);
    w.Key("planning_ms");
    w.Double(q.planning_ms);
    w.Key("rows");
    w.Int(q.rows);
    w.Key("root_node");
    w.String(q.root_node);
    w.Key("indexes");
    w.StartArray();
    for (const std::string& s : q.indexes) w.String(s);
    w.EndArray();
    w.Key("seq_scan_tables");
    w.StartArray();
    for (const std::string& s : q.seq_scan_tables) w.String(s);
    w.EndArray();
    w.Key("path_taken");
    w.Bool(q.path_taken);
    w.Key("baseline_execution_ms");
    bool found = false;
    if (run.baseline.has_value()) {
      for (const QueryResult& b : run.baseline->queries) {
        if (b.name == q.name) {
          w.Double(b.execution_ms);
          found = true;
          break;
        }
      }
    }
    if (!found) w.Null();
    w.EndObject();
  }
  w.EndArray();
  w.Key("baseline");
  if (run.baseline.has_value()) {
    w.StartObject();
    w.Key("path");
    w.String(run.baseline_path);
    w.Key("timestamp");
    w.String(run.baseline->timestamp);
    w.Key("database");
    w.String(run.baseline->database);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("findings");
  w.StartArray();
  for (const Finding& f : run.comparison.findings) {
    w.StartObject();
    w.Key("query");
    w.String(f.query);
    w.Key("kind");
    w.String(FindingKindName(f.kind));
    w.Key("failure");
    w.Bool(f.failure);
    w.Key("message");
    w.String(f.message);
    w.EndObject();
  }
  w.EndArray();
  w.Key("baseline_saved");
  w.Bool(run.baseline_saved);
  w.Key("passed");
  w.Bool(!run.comparison.failed());
  w.EndObject();
  out.push_back('\n');
  return out;
}

}  // namespace hyper::bench
