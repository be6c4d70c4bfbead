#include "libs/testing/test_database.h"

#include <postgresql/libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hyper::testing {
namespace {

constexpr size_t kMaxIdentifier = 63;

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;

struct OptionsDeleter {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};

// Quotes a value for a keyword=value connection string.
std::string QuoteConnValue(absl::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

// Parses `url` with libpq and rebuilds it as keyword=value pairs, with
// dbname replaced when `dbname` is non-empty.
absl::StatusOr<std::string> ConninfoWithDatabase(const std::string& url,
                                                 absl::string_view dbname) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, OptionsDeleter> options(
      PQconninfoParse(url.c_str(), &error));
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    return absl::InvalidArgumentError(
        absl::StrCat(kPgUrlEnv, " is not a valid libpq URL: ", message));
  }
  std::vector<std::string> parts;
  for (PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    absl::string_view keyword = o->keyword;
    if (keyword == "dbname") continue;
    if (o->val != nullptr && o->val[0] != '\0') {
      parts.push_back(absl::StrCat(keyword, "=", QuoteConnValue(o->val)));
    }
  }
  std::string conninfo;
  for (const std::string& part : parts) absl::StrAppend(&conninfo, part, " ");
  absl::StrAppend(&conninfo, "dbname=", QuoteConnValue(dbname));
  return conninfo;
}

absl::StatusOr<std::string> DatabaseOf(const std::string& url) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, OptionsDeleter> options(
      PQconninfoParse(url.c_str(), &error));
  if (options == nullptr) {
    PQfreemem(error);
    return absl::InvalidArgumentError("bad URL");
  }
  for (PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (absl::string_view(o->keyword) == "dbname" && o->val != nullptr &&
        o->val[0] != '\0') {
      return std::string(o->val);
    }
  }
  return std::string("postgres");
}

// Replaces the path (database) of a postgresql:// URL.
std::string UrlWithDatabase(absl::string_view url, absl::string_view dbname) {
  size_t scheme = url.find("://");
  size_t start = scheme == absl::string_view::npos ? 0 : scheme + 3;
  size_t slash = url.find('/', start);
  size_t query = url.find('?', start);
  absl::string_view base = url.substr(0, std::min(slash, query));
  absl::string_view rest =
      query == absl::string_view::npos ? "" : url.substr(query);
  return absl::StrCat(base, "/", dbname, rest);
}

absl::Status Exec(PGconn* conn, const std::string& sql) {
  std::unique_ptr<PGresult, void (*)(PGresult*)> result(
      PQexec(conn, sql.c_str()), PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return absl::InternalError(
        absl::StrCat(sql, ": ", PQerrorMessage(conn)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Conn> Connect(const std::string& conninfo) {
  Conn conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat(
        "cannot connect to the private PostgreSQL: ", PQerrorMessage(conn.get())));
  }
  return conn;
}

}  // namespace

std::string DatabaseNameFor(absl::string_view target, int pid,
                            absl::string_view suffix) {
  std::string tail = absl::StrFormat("_%d_%s", pid, suffix);
  std::string head = "hyper_test_";
  std::string cleaned;
  for (char c : absl::AsciiStrToLower(target)) {
    bool ok = absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
    char out = ok ? c : '_';
    // Collapse runs of '_' ("//libs/x:y" -> "libs_x_y").
    if (out == '_' && (cleaned.empty() || cleaned.back() == '_')) continue;
    cleaned.push_back(out);
  }
  while (!cleaned.empty() && cleaned.back() == '_') cleaned.pop_back();
  size_t room = kMaxIdentifier - head.size() - tail.size();
  if (cleaned.size() > room) cleaned.erase(0, cleaned.size() - room);
  return head + cleaned + tail;
}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create() {
  const char* url = std::getenv(std::string(kPgUrlEnv).c_str());
  if (url == nullptr || url[0] == '\0') {
    return absl::FailedPreconditionError(absl::StrCat(
        kPgUrlEnv,
        " is not set: this test needs the private PostgreSQL; run it with "
        "`./hyper test` (or pass --test_env=HYPER_PG_URL=<url> to bazel)"));
  }
  absl::StatusOr<std::string> admin_db = DatabaseOf(url);
  if (!admin_db.ok()) return admin_db.status();
  absl::StatusOr<std::string> admin = ConninfoWithDatabase(url, *admin_db);
  if (!admin.ok()) return admin.status();

  const char* target = std::getenv("TEST_TARGET");
  absl::BitGen gen;
  std::string name = DatabaseNameFor(
      target != nullptr ? target : "local", static_cast<int>(getpid()),
      absl::StrFormat("%06x", absl::Uniform<uint32_t>(gen, 0, 1u << 24)));

  absl::StatusOr<Conn> conn = Connect(*admin);
  if (!conn.ok()) return conn.status();
  // The name is built only from [a-z0-9_], so it is a safe identifier.
  absl::Status created =
      Exec(conn->get(), absl::StrCat("CREATE DATABASE \"", name, "\""));
  if (!created.ok()) return created;

  absl::StatusOr<std::string> conninfo = ConninfoWithDatabase(url, name);
  if (!conninfo.ok()) return conninfo.status();
  return std::unique_ptr<TestDatabase>(new TestDatabase(
      name, *admin, *conninfo, UrlWithDatabase(url, name)));
}

TestDatabase::~TestDatabase() {
  absl::StatusOr<Conn> conn = Connect(admin_conninfo_);
  absl::Status dropped =
      conn.ok() ? Exec(conn->get(), absl::StrCat("DROP DATABASE IF EXISTS \"",
                                                 name_, "\" WITH (FORCE)"))
                : conn.status();
  if (!dropped.ok()) {
    std::fprintf(stderr, "TestDatabase: could not drop %s: %s\n",
                 name_.c_str(), std::string(dropped.message()).c_str());
  }
}

}  // namespace hyper::testing
