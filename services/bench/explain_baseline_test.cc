// The regression rules on synthetic results, and the baseline file format.
#include "services/bench/explain_baseline.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

namespace hyper::bench {
namespace {

QueryResult Indexed(const std::string& name, double ms) {
  return QueryResult{.name = name,
                     .execution_ms = ms,
                     .planning_ms = 0.1,
                     .rows = 25,
                     .root_node = "Limit",
                     .indexes = {name + "_idx"},
                     .seq_scan_tables = {},
                     .path_taken = true};
}

Baseline BaselineOf(std::vector<QueryResult> queries) {
  return Baseline{.timestamp = "2025-01-01T00:00:00Z",
                  .database = "127.0.0.1:5432/hyper",
                  .seed = {.users = 1000, .posts = 50000, .comments = 250000, .votes = 200000},
                  .repeat = 5,
                  .queries = std::move(queries)};
}

const SeedSize kSeed{.users = 1000, .posts = 50000, .comments = 250000, .votes = 200000};

Comparison MustCompare(const std::vector<QueryResult>& run, const Baseline* baseline,
                       CompareOptions options = {}) {
  absl::StatusOr<Comparison> c = Compare(run, kSeed, baseline, options);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : Comparison{};
}

TEST(CompareTest, SameTimesPass) {
  Baseline b = BaselineOf({Indexed("a", 3.0), Indexed("b", 0.2)});
  Comparison c = MustCompare({Indexed("a", 3.4), Indexed("b", 0.25)}, &b);
  EXPECT_FALSE(c.failed());
  EXPECT_TRUE(c.findings.empty());
}

TEST(CompareTest, SlowerThanThresholdFails) {
  Baseline b = BaselineOf({Indexed("count_posts", 2.0)});
  Comparison c = MustCompare({Indexed("count_posts", 5.0)}, &b);
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_TRUE(c.failed());
  EXPECT_EQ(c.findings[0].kind, FindingKind::kSlower);
  EXPECT_EQ(c.findings[0].message,
            "count_posts: 5.00 ms vs baseline 2.00 ms (2.50x, limit 2.00x)");
}

TEST(CompareTest, SlowerWithinThresholdPasses) {
  Baseline b = BaselineOf({Indexed("a", 2.0)});
  EXPECT_FALSE(MustCompare({Indexed("a", 3.9)}, &b).failed());
  EXPECT_TRUE(MustCompare({Indexed("a", 3.9)}, &b, {.threshold = 1.5}).failed());
}

TEST(CompareTest, TinyDifferencesAreNoise) {
  // 0.02 -> 0.09 ms is 4.5x but under the noise floor.
  Baseline b = BaselineOf({Indexed("pk", 0.02)});
  EXPECT_FALSE(MustCompare({Indexed("pk", 0.09)}, &b).failed());
  EXPECT_TRUE(MustCompare({Indexed("pk", 0.09)}, &b, {.noise_ms = 0}).failed());
}

TEST(CompareTest, FasterIsAnImprovementNotAFailure) {
  Baseline b = BaselineOf({Indexed("agg", 8.0)});
  Comparison c = MustCompare({Indexed("agg", 3.0)}, &b);
  EXPECT_FALSE(c.failed());
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.findings[0].kind, FindingKind::kFaster);
  EXPECT_EQ(c.findings[0].message, "agg: 3.00 ms vs baseline 8.00 ms (0.38x): improvement");
}

TEST(CompareTest, NewSeqScanFailsEvenWhenNotSlower) {
  Baseline b = BaselineOf({Indexed("search", 1.0)});
  QueryResult now = Indexed("search", 1.0);
  now.seq_scan_tables = {"posts"};
  Comparison c = MustCompare({now}, &b);
  EXPECT_TRUE(c.failed());
  ASSERT_EQ(c.count(FindingKind::kNewSeqScan), 1);
  EXPECT_EQ(c.findings[0].message,
            "search: new Seq Scan on posts (the baseline plan had none)");
}

TEST(CompareTest, SeqScanAlreadyInTheBaselineIsNotNew) {
  QueryResult q = Indexed("small", 1.0);
  q.seq_scan_tables = {"users"};
  Baseline b = BaselineOf({q});
  EXPECT_EQ(MustCompare({q}, &b).count(FindingKind::kNewSeqScan), 0);
}

TEST(CompareTest, PathNotTakenFailsWithAndWithoutBaseline) {
  QueryResult q = Indexed("hot", 0.1);
  q.path_taken = false;
  q.indexes = {};
  q.seq_scan_tables = {"posts"};
  Comparison alone = MustCompare({q}, nullptr);
  EXPECT_TRUE(alone.failed());
  ASSERT_EQ(alone.findings.size(), 1u);
  EXPECT_EQ(alone.findings[0].kind, FindingKind::kPathNotTaken);
  EXPECT_EQ(alone.findings[0].message,
            "hot: declared access path not taken (plan used indexes [], seq scans [posts])");
  Baseline b = BaselineOf({Indexed("hot", 0.1)});
  Comparison against = MustCompare({q}, &b);
  EXPECT_EQ(against.count(FindingKind::kPathNotTaken), 1);
  EXPECT_EQ(against.count(FindingKind::kNewSeqScan), 1);
}

TEST(CompareTest, MissingAndNewQueriesAreReportedNotFailed) {
  Baseline b = BaselineOf({Indexed("a", 1.0), Indexed("gone", 1.0)});
  Comparison c = MustCompare({Indexed("a", 1.0), Indexed("added", 1.0)}, &b);
  EXPECT_FALSE(c.failed());
  ASSERT_EQ(c.findings.size(), 2u);
  EXPECT_EQ(c.findings[0].kind, FindingKind::kNew);
  EXPECT_EQ(c.findings[0].query, "added");
  EXPECT_EQ(c.findings[1].kind, FindingKind::kMissing);
  EXPECT_EQ(c.findings[1].message, "gone: in the baseline but not in this run");
}

TEST(CompareTest, OtherSeedSizeIsRefused) {
  Baseline b = BaselineOf({Indexed("a", 1.0)});
  b.seed.posts = 1000;
  absl::StatusOr<Comparison> c = Compare({Indexed("a", 1.0)}, kSeed, &b, {});
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(c.status().message().find("--posts=1000"), absl::string_view::npos);
}

TEST(CompareTest, BadOptionsNameTheFlag) {
  absl::StatusOr<Comparison> c = Compare({}, kSeed, nullptr, {.threshold = 0.5});
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "--threshold: must be > 1, got 0.5");
}

TEST(BaselineJsonTest, RoundTrips) {
  QueryResult q = Indexed("front \"page\"", 0.123456789);
  q.seq_scan_tables = {"users"};
  q.path_taken = false;
  Baseline b = BaselineOf({q, Indexed("b", 2)});
  absl::StatusOr<Baseline> back = BaselineFromJson(BaselineToJson(b));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->timestamp, b.timestamp);
  EXPECT_EQ(back->database, b.database);
  EXPECT_EQ(back->seed.posts, 50000);
  EXPECT_EQ(back->seed.votes, 200000);
  EXPECT_EQ(back->repeat, 5);
  ASSERT_EQ(back->queries.size(), 2u);
  EXPECT_EQ(back->queries[0].name, "front \"page\"");
  EXPECT_DOUBLE_EQ(back->queries[0].execution_ms, 0.123456789);
  EXPECT_EQ(back->queries[0].indexes, std::vector<std::string>{"front \"page\"_idx"});
  EXPECT_EQ(back->queries[0].seq_scan_tables, std::vector<std::string>{"users"});
  EXPECT_FALSE(back->queries[0].path_taken);
  EXPECT_TRUE(back->queries[1].path_taken);
}

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<Baseline> b = BaselineFromJson(text);
  EXPECT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(b.status().message());
}

TEST(BaselineJsonTest, MalformedFilesNameTheField) {
  const std::string good = BaselineToJson(BaselineOf({Indexed("a", 1), Indexed("b", 2)}));
  ASSERT_TRUE(BaselineFromJson(good).ok());

  EXPECT_EQ(ErrorOf("[1, 2]"), "(top level): expected an object");
  EXPECT_EQ(ErrorOf("{}"), "version: missing");
  EXPECT_EQ(ErrorOf(absl::StrReplaceAll(good, {{"\"version\": 1", "\"version\": 7"}})),
            "version: expected 1, got 7 (written by a newer hyper benchmark?)");
  EXPECT_EQ(ErrorOf(absl::StrReplaceAll(good, {{"\"posts\": 50000", "\"posts\": \"many\""}})),
            "seed.posts: expected a non-negative integer");
  EXPECT_EQ(ErrorOf(absl::StrReplaceAll(good, {{"\"execution_ms\": 2", "\"execution_ms\": \"2\""}})),
            "queries[1].execution_ms: expected a number");
  EXPECT_EQ(ErrorOf(absl::StrReplaceAll(good, {{"\"execution_ms\": 2", "\"execution_ms\": -2"}})),
            "queries[1].execution_ms: expected a time >= 0");
  EXPECT_EQ(ErrorOf(absl::StrReplaceAll(good, {{", \"rows\": 25", ""}})),
            "queries[0].rows: missing");
  EXPECT_EQ(ErrorOf(absl::StrReplaceAll(good, {{"\"name\": \"b\"", "\"name\": \"a\""}})),
            "queries[1].name: 'a' appears twice");
  EXPECT_EQ(ErrorOf(absl::StrReplaceAll(good, {{"\"indexes\": [\"b_idx\"]", "\"indexes\": [3]"}})),
            "queries[1].indexes[0]: expected a string");
  EXPECT_EQ(ErrorOf(absl::StrReplaceAll(good, {{"\"path_taken\": true}\n  ]", "\"path_taken\": 1}\n  ]"}})),
            "queries[1].path_taken: expected true or false");
  EXPECT_EQ(ErrorOf(good.substr(0, good.size() / 2)).rfind("not valid JSON: ", 0), 0u);
}

TEST(BaselineFileTest, MissingFileIsNotFoundAndBadFileNamesThePath) {
  std::string dir = ::testing::TempDir();
  std::string missing = absl::StrCat(dir, "/no_such_baseline.json");
  EXPECT_EQ(ReadBaselineFile(missing).status().code(), absl::StatusCode::kNotFound);

  std::string bad = absl::StrCat(dir, "/bad_baseline_", getpid(), ".json");
  std::ofstream(bad) << "{\"version\": 1, \"timestamp\": 3}";
  absl::StatusOr<Baseline> b = ReadBaselineFile(bad);
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.status().message(),
            absl::StrCat("baseline ", bad,
                         ": timestamp: expected a string (fix the file, or replace it with "
                         "--save-baseline)"));
  std::remove(bad.c_str());
}

TEST(BaselineFileTest, WriteThenRead) {
  std::string path = absl::StrCat(::testing::TempDir(), "/baseline_", getpid(), ".json");
  Baseline b = BaselineOf({Indexed("a", 1.5)});
  ASSERT_TRUE(WriteBaselineFile(path, b).ok());
  absl::StatusOr<Baseline> back = ReadBaselineFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->queries[0].name, "a");
  std::remove(path.c_str());
  EXPECT_EQ(WriteBaselineFile("/nonexistent-dir/x.json", b).code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace hyper::bench
