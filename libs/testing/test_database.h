// TestDatabase: a fresh PostgreSQL database for one test target, on the
// private server that `./hyper test` starts (tools/pg/private_pg.sh).
//
// The server's URL comes from the environment variable HYPER_PG_URL. Each
// TestDatabase creates a uniquely named database (test target, pid, random
// suffix), so test targets run in parallel without sharing state, and drops
// it (terminating leftover sessions) when destroyed.
//
// A test that needs a database and finds no HYPER_PG_URL fails with a message
// saying how to run it; it never skips.
//
// Example:
//   absl::StatusOr<std::unique_ptr<TestDatabase>> db = TestDatabase::Create();
//   ASSERT_TRUE(db.ok()) << db.status();
//   PGconn* conn = PQconnectdb((*db)->conninfo().c_str());
//   // ... CREATE TABLE, INSERT, SELECT ...
//   // (*db)->name() == "hyper_test_libs_testing_test_database_test_4242_1a2b3c"
#ifndef HYPER_LIBS_TESTING_TEST_DATABASE_H_
#define HYPER_LIBS_TESTING_TEST_DATABASE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hyper::testing {

// The environment variable holding the private server's URL.
inline constexpr absl::string_view kPgUrlEnv = "HYPER_PG_URL";

class TestDatabase {
 public:
  // Creates a new database on the server named by HYPER_PG_URL. Returns
  // FailedPrecondition when the variable is unset, Unavailable when the
  // server cannot be reached, Internal when CREATE DATABASE fails.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create();

  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // Drops the database. Errors are logged to stderr, never thrown.
  ~TestDatabase();

  // The database's name: `hyper_test_<target>_<pid>_<hex>`, at most 63 bytes.
  const std::string& name() const { return name_; }

  // A libpq connection string (keyword=value form) for the new database,
  // with the same host, port and user as HYPER_PG_URL.
  const std::string& conninfo() const { return conninfo_; }

  // The same as a postgresql:// URL, for tools that take URLs.
  const std::string& url() const { return url_; }

  // The libpq connection string of the server's maintenance database
  // (the one HYPER_PG_URL names).
  const std::string& admin_conninfo() const { return admin_conninfo_; }

 private:
  TestDatabase(std::string name, std::string admin_conninfo,
               std::string conninfo, std::string url)
      : name_(std::move(name)),
        admin_conninfo_(std::move(admin_conninfo)),
        conninfo_(std::move(conninfo)),
        url_(std::move(url)) {}

  std::string name_;
  std::string admin_conninfo_;
  std::string conninfo_;
  std::string url_;
};

// Builds the database name for a Bazel test target label and pid: lowercase,
// every character outside [a-z0-9_] becomes '_', cut so the whole name fits
// PostgreSQL's 63-byte identifier limit. Exposed for tests.
std::string DatabaseNameFor(absl::string_view target, int pid,
                            absl::string_view suffix);

}  // namespace hyper::testing

#endif  // HYPER_LIBS_TESTING_TEST_DATABASE_H_
