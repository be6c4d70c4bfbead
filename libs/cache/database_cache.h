// DatabaseCache: a Cache kept in an UNLOGGED PostgreSQL table, shared by
// every process that points at the same database.
//
// The table is (key bytea PRIMARY KEY, value bytea NOT NULL, expires
// timestamptz NULL = never), with an index on expires. UNLOGGED: a cache may
// lose its contents on a server crash, and skipping the WAL makes writes
// cheap. Keys and values are arbitrary bytes and always travel as bound
// bytea parameters (hex-encoded by libs/pg, which sends parameters in text
// format; bytea[] arrays of them for the *Many calls), never inside the SQL
// text. Every call is one statement on a connection leased from the
// pool, so each is atomic on its own: Incr is computed by the server, Add
// and GetOrSet are a single INSERT ... ON CONFLICT.
//
// Expiry uses the client's clock (Options::clock): `expires` is written as
// now + ttl and rows are live while expires > now. Processes sharing a table
// should therefore keep their clocks in sync (NTP), as with Django's database
// cache. Expired rows are invisible at once but stay in the table until a
// write to the same key replaces them, or CleanupExpired() runs (call it
// periodically, e.g. from a timer).
//
// Errors: whatever libs/pg reports, with "DatabaseCache <call>: " in front:
// Unavailable when the server cannot be reached or the connection is lost,
// DeadlineExceeded when no pooled connection was free within the pool's
// acquire_timeout, Aborted after a deadlock that retries did not clear.
// Nothing throws or crashes.
//
// Thread-safe; the pool (not owned) must outlive the cache.
//
// Example:
//   pg::Pool pool(conninfo, pg::PoolOptions{.size = 4});
//   absl::StatusOr<std::unique_ptr<DatabaseCache>> cache =
//       DatabaseCache::Create(&pool);        // creates hyper_cache if missing
//   (*cache)->Set("user:7", "alice", absl::Seconds(60));
//   (*cache)->Get("user:7");                 // "alice"
//   (*cache)->Add("user:7", "bob");          // false: already present
//   (*cache)->Incr("visits", 5);             // 5
//   (*cache)->Incr("user:7");                // FailedPreconditionError
//   (*cache)->CleanupExpired();              // 0: nothing has expired yet
#ifndef HYPER_LIBS_CACHE_DATABASE_CACHE_H_
#define HYPER_LIBS_CACHE_DATABASE_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/cache/cache.h"
#include "libs/pg/connection.h"
#include "libs/pg/pool.h"
#include "libs/pg/value.h"

namespace hyper::cache {

class DatabaseCache final : public Cache {
 public:
  struct Options {
    // The table: lowercase ASCII letters, digits and '_', not starting with
    // a digit, at most 51 bytes (so that "<table>_expires_idx" fits
    // PostgreSQL's 63-byte names). Unqualified: it lives in the first schema
    // of the connection's search_path.
    std::string table = "hyper_cache";
    // Larger values are InvalidArgument (the message gives both sizes).
    size_t max_value_bytes = 1 << 20;
    // Larger keys are InvalidArgument. A b-tree entry must fit in a third of
    // a page (about 2700 bytes), so a key near that limit would fail inside
    // the server with a less helpful error.
    size_t max_key_bytes = 2048;
    // Run CREATE UNLOGGED TABLE / CREATE INDEX IF NOT EXISTS in Create().
    // False when a migration owns the table.
    bool create_table = true;
    // Injectable for tests; must be thread-safe.
    std::function<absl::Time()> clock = [] { return absl::Now(); };
  };

  // Validates `options` (InvalidArgument naming the bad one) and, when
  // create_table is set, creates the table and its index if missing.
  // Unavailable if the server cannot be reached. (Two overloads rather than
  // a default argument: GCC cannot default-construct a nested struct with
  // member initializers inside its enclosing class.)
  static absl::StatusOr<std::unique_ptr<DatabaseCache>> Create(pg::Pool* pool);
  static absl::StatusOr<std::unique_ptr<DatabaseCache>> Create(pg::Pool* pool,
                                                               Options options);

  DatabaseCache(const DatabaseCache&) = delete;
  DatabaseCache& operator=(const DatabaseCache&) = delete;
  ~DatabaseCache() override = default;

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) override;
  // One SELECT ... WHERE key = ANY($1).
  absl::StatusOr<std::vector<std::optional<std::string>>> GetMany(
      absl::Span<const absl::string_view> keys) override;
  absl::Status Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl = absl::ZeroDuration()) override;
  // One INSERT ... SELECT FROM unnest($1, $2) ON CONFLICT DO UPDATE, so all
  // or nothing (unlike the interface's default, which stops part way). A key
  // given twice keeps its last value, as a sequence of Sets would.
  absl::Status SetMany(absl::Span<const KeyValue> entries,
                       absl::Duration ttl = absl::ZeroDuration()) override;
  absl::StatusOr<bool> Add(absl::string_view key, absl::string_view value,
                           absl::Duration ttl = absl::ZeroDuration()) override;
  // An expired row is removed too, but reported as absent (false).
  absl::StatusOr<bool> Delete(absl::string_view key) override;
  // One DELETE ... WHERE key = ANY($1); counts live rows only.
  absl::StatusOr<int64_t> DeleteMany(absl::Span<const absl::string_view> keys) override;
  // The stored value must be an optional sign and decimal digits within
  // int64; FailedPrecondition otherwise (the value is left unchanged).
  absl::StatusOr<int64_t> Incr(absl::string_view key, int64_t delta = 1) override;
  // On a miss, calls `compute` (outside any lock or transaction), then
  // inserts its value unless a live row appeared meanwhile, and returns
  // whichever value is in the table after that one statement. Concurrent
  // callers may each compute, but all of them return the same value.
  absl::StatusOr<std::string> GetOrSet(absl::string_view key, absl::Duration ttl,
                                       const Compute& compute) override;
  // DELETE FROM the table (not TRUNCATE, which would wait for, and block,
  // every concurrent call). Counters are kept.
  absl::Status Clear() override;

  // Deletes the rows whose ttl has passed and returns how many; adds them
  // to stats().expirations. A row another call is writing at that moment is
  // left for the next cleanup (it never waits for, or deadlocks with, them).
  absl::StatusOr<int64_t> CleanupExpired();

  // Counters since construction. `entries` and `bytes` are always 0 here:
  // they would need a scan of the table, which stats() must not do; see
  // StatsWithSize(). `evictions` is always 0 (the table has no size bound).
  // `sets` counts Set, each distinct key of SetMany, each Add that stored,
  // each Incr and each GetOrSet insert attempt; `deletes` counts live rows
  // removed by Delete/DeleteMany; `expirations` counts rows CleanupExpired
  // removed.
  CacheStats stats() const override;

  // stats() plus `entries` and `bytes` (key + value sizes) of the live rows,
  // counted by one query (a full scan of the table: for tooling, not hot
  // paths).
  absl::StatusOr<CacheStats> StatsWithSize();

  const std::string& table() const { return options_.table; }

 private:
  // SQL texts, built once from the table name.
  struct Sql {
    std::string get, get_many, set, set_many, add, del, del_many, incr, get_or_set, clear,
        cleanup, size;
  };

  DatabaseCache(pg::Pool* pool, Options options);
  static Sql BuildSql(absl::string_view table);

  // Runs one statement on a pooled connection, retrying a deadlock or
  // serialization failure (Aborted, after which the server rolled the
  // statement back) a few times. Errors carry "DatabaseCache <what>: ".
  absl::StatusOr<pg::Result> Run(absl::string_view what, const std::string& sql,
                                 const std::vector<pg::Value>& params) const;
  absl::Status CheckKey(absl::string_view key) const;
  absl::Status CheckEntry(absl::string_view key, absl::string_view value) const;
  // The client's clock as a timestamptz parameter.
  pg::Value Now() const;
  // now + ttl, or NULL (never) when ttl <= 0.
  pg::Value Expires(absl::Duration ttl) const;
  // Counts a non-OK status in stats().errors and passes it on.
  absl::Status Fail(absl::Status status) const;

  pg::Pool* const pool_;
  const Options options_;
  const Sql sql_;

  mutable CacheCounters counters_;
};

}  // namespace hyper::cache

#endif  // HYPER_LIBS_CACHE_DATABASE_CACHE_H_
