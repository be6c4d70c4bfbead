#include "libs/cache/database_cache.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace hyper::cache {
namespace {

using pg::Value;

constexpr size_t kMaxTableName = 51;  // + "_expires_idx" = 63
constexpr int kAttempts = 3;          // for deadlocks (Aborted)
// Expiry times are capped here: PostgreSQL's timestamptz goes further, but
// the driver's timestamp text is written with four-digit years.
const int64_t kMaxExpiryMicros = absl::ToUnixMicros(
    absl::FromCivil(absl::CivilSecond(9999, 12, 31, 23, 59, 59), absl::UTCTimeZone()));
// Plain SQL has no RAISE, so Incr fails on purpose by casting this text
// (never a valid int8) when the stored value is not a decimal int64; the
// cast's 22P02 error, recognised by this marker, becomes FailedPrecondition.
constexpr absl::string_view kNotInt64Marker = "hyper_cache_not_int64";

absl::Status CheckTableName(absl::string_view table) {
  bool valid = !table.empty() && table.size() <= kMaxTableName &&
               !absl::ascii_isdigit(static_cast<unsigned char>(table[0]));
  for (char c : table) {
    valid = valid && (absl::ascii_islower(static_cast<unsigned char>(c)) ||
                      absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_');
  }
  if (valid) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("DatabaseCache table name must be 1 to ", kMaxTableName,
                   " bytes of [a-z0-9_], not starting with a digit; got \"",
                   absl::CHexEscape(table.substr(0, 64)), "\""));
}

// A bytea[] array literal, every element quoted and in hex form, so the
// bytes themselves never need escaping: {"\\x6162","\\x"}. It is still sent
// as a bound parameter.
template <typename Range, typename Project>
Value ByteaArray(const Range& items, Project project) {
  std::string out = "{";
  bool first = true;
  for (const auto& item : items) {
    absl::StrAppend(&out, first ? "" : ",", "\"\\\\x",
                    absl::BytesToHexString(project(item)), "\"");
    first = false;
  }
  out += "}";
  return Value::Text(std::move(out));
}

// `status` with "DatabaseCache <what>: " before its message; code and
// payloads (the SQLSTATE) are kept.
absl::Status Annotate(absl::string_view what, const absl::Status& status) {
  absl::Status out(status.code(),
                   absl::StrCat("DatabaseCache ", what, ": ", status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

}  // namespace

DatabaseCache::Sql DatabaseCache::BuildSql(absl::string_view table) {
  const std::string t = absl::StrCat("\"", table, "\"");
  // Parameter numbers are fixed per statement and noted beside it.
  const std::string live = "(expires IS NULL OR expires > $2::timestamptz)";
  // $1 key, $2 value, $3 expires (NULL = never), and $4 now when used.
  const std::string upsert = absl::StrCat(
      "INSERT INTO ", t, " AS c (key, value, expires) ",
      "VALUES ($1::bytea, $2::bytea, $3::timestamptz) ON CONFLICT (key) ");
  // Inside ON CONFLICT: the existing row has expired.
  const std::string expired = "c.expires IS NOT NULL AND c.expires <= $4::timestamptz";
  const std::string text = "encode(c.value, 'escape')";  // never fails, unlike UTF-8
  Sql sql;
  // clang-format off
  sql.get = absl::StrCat(  // $1 key, $2 now
      "SELECT value FROM ", t, " WHERE key = $1::bytea AND ", live);
  sql.get_many = absl::StrCat(  // $1 keys, $2 now
      "SELECT key, value FROM ", t, " WHERE key = ANY($1::bytea[]) AND ", live);
  sql.set = absl::StrCat(
      upsert, "DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires");
  sql.set_many = absl::StrCat(  // $1 keys, $2 values, $3 expires
      "INSERT INTO ", t, " AS c (key, value, expires) ",
      "SELECT k, v, $3::timestamptz FROM unnest($1::bytea[], $2::bytea[]) AS u(k, v) ",
      "ON CONFLICT (key) DO UPDATE ",
      "SET value = EXCLUDED.value, expires = EXCLUDED.expires");
  // ON CONFLICT ... WHERE locks a live row without changing it, and returns
  // no row for it.
  sql.add = absl::StrCat(
      upsert, "DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires ",
      "WHERE ", expired, " RETURNING true");
  sql.del = absl::StrCat(  // $1 key, $2 now
      "DELETE FROM ", t, " WHERE key = $1::bytea RETURNING ", live);
  sql.del_many = absl::StrCat(  // $1 keys, $2 now
      "WITH d AS (DELETE FROM ", t, " WHERE key = ANY($1::bytea[]) RETURNING expires) ",
      "SELECT count(*) FROM d WHERE ",
      absl::StrReplaceAll(live, {{"expires", "d.expires"}}));
  // $1 key, $2 delta, $3 now. A missing or expired row becomes delta, never
  // expiring. A live one must be a sign and digits within int64 (the nested
  // CASE keeps the casts from ever seeing anything else), else the marker
  // cast fails; the sum is int8 + int8, whose overflow is SQLSTATE 22003.
  sql.incr = absl::StrCat(
      "INSERT INTO ", t, " AS c (key, value, expires) ",
      "VALUES ($1::bytea, convert_to($2::int8::text, 'UTF8'), NULL) ",
      "ON CONFLICT (key) DO UPDATE SET ",
      "value = CASE ",
        "WHEN c.expires IS NOT NULL AND c.expires <= $3::timestamptz ",
          "THEN EXCLUDED.value ",
        "WHEN CASE WHEN ", text, " ~ '^[+-]?[0-9]+$' ",
          "THEN ", text, "::numeric BETWEEN -9223372036854775808 AND 9223372036854775807 ",
          "ELSE false END ",
          "THEN convert_to((", text, "::int8 + $2::int8)::text, 'UTF8') ",
        "ELSE convert_to(('", kNotInt64Marker, ":' || length(c.value))::int8::text, ",
          "'UTF8') ",
      "END, ",
      "expires = CASE WHEN c.expires IS NOT NULL AND c.expires <= $3::timestamptz ",
        "THEN NULL ELSE c.expires END ",
      "RETURNING value");
  // Always updates (a live row to itself), so that RETURNING gives the row
  // that won, in the same statement.
  sql.get_or_set = absl::StrCat(
      upsert, "DO UPDATE SET ",
      "value = CASE WHEN ", expired, " THEN EXCLUDED.value ELSE c.value END, ",
      "expires = CASE WHEN ", expired, " THEN EXCLUDED.expires ELSE c.expires END ",
      "RETURNING value");
  sql.clear = absl::StrCat("DELETE FROM ", t);
  // $1 now. The rows are locked in key order, as SetMany and DeleteMany lock
  // theirs, and rows another call holds are skipped (the next cleanup gets
  // them): scanning the expires index instead locked rows in expiry order,
  // and a concurrent SetMany could deadlock against it.
  sql.cleanup = absl::StrCat(
      "DELETE FROM ", t, " WHERE key IN (SELECT key FROM ", t,
      " WHERE expires <= $1::timestamptz ORDER BY key FOR UPDATE SKIP LOCKED)");
  sql.size = absl::StrCat(  // $1 now
      "SELECT count(*), coalesce(sum(length(key) + length(value)), 0)::int8 FROM ", t,
      " WHERE expires IS NULL OR expires > $1::timestamptz");
  // clang-format on
  return sql;
}

DatabaseCache::DatabaseCache(pg::Pool* pool, Options options)
    : pool_(pool), options_(std::move(options)), sql_(BuildSql(options_.table)) {}

absl::StatusOr<std::unique_ptr<DatabaseCache>> DatabaseCache::Create(pg::Pool* pool) {
  return Create(pool, Options());
}

absl::StatusOr<std::unique_ptr<DatabaseCache>> DatabaseCache::Create(pg::Pool* pool,
                                                                     Options options) {
  if (pool == nullptr) return absl::InvalidArgumentError("DatabaseCache: null pool");
  if (absl::Status status = CheckTableName(options.table); !status.ok()) return status;
  if (options.max_value_bytes == 0 || options.max_key_bytes == 0) {
    return absl::InvalidArgumentError(
        "DatabaseCache max_value_bytes and max_key_bytes must be positive");
  }
  if (!options.clock) return absl::InvalidArgumentError("DatabaseCache: empty clock");
  std::unique_ptr<DatabaseCache> cache(new DatabaseCache(pool, std::move(options)));
  if (!cache->options_.create_table) return cache;

  const std::string& table = cache->options_.table;
  const std::string ddl[] = {
      absl::StrCat(
          "CREATE UNLOGGED TABLE IF NOT EXISTS \"", table,
          "\" (key bytea PRIMARY KEY, value bytea NOT NULL, expires timestamptz)"),
      absl::StrCat("CREATE INDEX IF NOT EXISTS \"", table, "_expires_idx\" ON \"", table,
                   "\" (expires)"),
  };
  for (const std::string& statement : ddl) {
    // Two processes creating the same table at once can collide on the
    // catalog's unique indexes (AlreadyExists); the second try sees it.
    absl::StatusOr<pg::Result> result = absl::UnknownError("not run");
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      result = cache->Run("Create", statement, {});
      if (result.ok() || result.status().code() != absl::StatusCode::kAlreadyExists)
        break;
    }
    if (!result.ok()) return result.status();
  }
  return cache;
}

absl::StatusOr<pg::Result> DatabaseCache::Run(absl::string_view what,
                                              const std::string& sql,
                                              const std::vector<Value>& params) const {
  absl::StatusOr<pg::Pool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return Annotate(what, lease.status());
  absl::StatusOr<pg::Result> result = absl::UnknownError("not run");
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    result = (*lease)->Exec(sql, params);
    if (result.ok() || result.status().code() != absl::StatusCode::kAborted) break;
  }
  if (!result.ok()) return Annotate(what, result.status());
  return result;
}

absl::Status DatabaseCache::CheckKey(absl::string_view key) const {
  if (key.size() <= options_.max_key_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("DatabaseCache: cache key of ", key.size(),
                   " bytes exceeds the limit of ", options_.max_key_bytes, " bytes"));
}

absl::Status DatabaseCache::CheckEntry(absl::string_view key,
                                       absl::string_view value) const {
  if (absl::Status status = CheckKey(key); !status.ok()) return status;
  if (value.size() <= options_.max_value_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "DatabaseCache: cache value of ", value.size(), " bytes (key of ", key.size(),
      " bytes) exceeds the limit of ", options_.max_value_bytes, " bytes"));
}

Value DatabaseCache::Now() const {
  return Value::Timestamp(absl::ToUnixMicros(options_.clock()));
}

Value DatabaseCache::Expires(absl::Duration ttl) const {
  if (ttl <= absl::ZeroDuration()) return Value::Null();
  // ToUnixMicros saturates, so an enormous ttl lands on the cap.
  return Value::Timestamp(
      std::min(kMaxExpiryMicros, absl::ToUnixMicros(options_.clock() + ttl)));
}

absl::Status DatabaseCache::Fail(absl::Status status) const {
  if (!status.ok()) CacheCounters::Add(counters_.errors);
  return status;
}

absl::StatusOr<std::optional<std::string>> DatabaseCache::Get(absl::string_view key) {
  if (absl::Status status = CheckKey(key); !status.ok()) return Fail(status);
  absl::StatusOr<pg::Result> result =
      Run("Get", sql_.get, {Value::Bytes(std::string(key)), Now()});
  if (!result.ok()) return Fail(result.status());
  if (result->rows.empty()) {
    CacheCounters::Add(counters_.misses);
    return std::nullopt;
  }
  CacheCounters::Add(counters_.hits);
  return result->rows[0][0].str();
}

absl::StatusOr<std::vector<std::optional<std::string>>> DatabaseCache::GetMany(
    absl::Span<const absl::string_view> keys) {
  std::vector<std::optional<std::string>> values(keys.size());
  if (keys.empty()) return values;
  for (absl::string_view key : keys) {
    if (absl::Status status = CheckKey(key); !status.ok()) return Fail(status);
  }
  absl::StatusOr<pg::Result> result =
      Run("GetMany", sql_.get_many,
          {ByteaArray(keys, [](absl::string_view k) { return k; }),
           Now()});
  if (!result.ok()) return Fail(result.status());
  absl::flat_hash_map<std::string, std::string> found;
  for (std::vector<Value>& row : result->rows) found[row[0].str()] = row[1].str();
  uint64_t hits = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    auto it = found.find(keys[i]);
    if (it == found.end()) continue;
    values[i] = it->second;
    ++hits;
  }
  CacheCounters::Add(counters_.hits, hits);
  CacheCounters::Add(counters_.misses, keys.size() - hits);
  return values;
}

absl::Status DatabaseCache::Set(absl::string_view key, absl::string_view value,
                                absl::Duration ttl) {
  if (absl::Status status = CheckEntry(key, value); !status.ok()) return Fail(status);
  absl::StatusOr<pg::Result> result = Run(
      "Set", sql_.set,
      {Value::Bytes(std::string(key)), Value::Bytes(std::string(value)), Expires(ttl)});
  if (!result.ok()) return Fail(result.status());
  CacheCounters::Add(counters_.sets);
  return absl::OkStatus();
}

absl::Status DatabaseCache::SetMany(absl::Span<const KeyValue> entries, absl::Duration ttl) {
  // One row per key (ON CONFLICT cannot touch a row twice in a statement),
  // the last value winning; sorted, so that concurrent SetMany calls lock
  // their rows in the same order and do not deadlock each other.
  absl::flat_hash_map<absl::string_view, absl::string_view> last;
  for (const auto& [key, value] : entries) {
    if (absl::Status status = CheckEntry(key, value); !status.ok()) return Fail(status);
    last[key] = value;
  }
  if (last.empty()) return absl::OkStatus();
  std::vector<std::pair<absl::string_view, absl::string_view>> rows(last.begin(),
                                                                    last.end());
  std::sort(rows.begin(), rows.end());
  using Row = std::pair<absl::string_view, absl::string_view>;
  absl::StatusOr<pg::Result> result =
      Run("SetMany", sql_.set_many,
          {ByteaArray(rows, [](const Row& r) { return r.first; }),
           ByteaArray(rows, [](const Row& r) { return r.second; }), Expires(ttl)});
  if (!result.ok()) return Fail(result.status());
  CacheCounters::Add(counters_.sets, rows.size());
  return absl::OkStatus();
}

absl::StatusOr<bool> DatabaseCache::Add(absl::string_view key, absl::string_view value,
                                        absl::Duration ttl) {
  if (absl::Status status = CheckEntry(key, value); !status.ok()) return Fail(status);
  absl::StatusOr<pg::Result> result =
      Run("Add", sql_.add,
          {Value::Bytes(std::string(key)), Value::Bytes(std::string(value)), Expires(ttl),
           Now()});
  if (!result.ok()) return Fail(result.status());
  const bool stored = !result->rows.empty();
  if (stored) CacheCounters::Add(counters_.sets);
  return stored;
}

absl::StatusOr<bool> DatabaseCache::Delete(absl::string_view key) {
  if (absl::Status status = CheckKey(key); !status.ok()) return Fail(status);
  absl::StatusOr<pg::Result> result =
      Run("Delete", sql_.del, {Value::Bytes(std::string(key)), Now()});
  if (!result.ok()) return Fail(result.status());
  const bool existed = !result->rows.empty() && result->rows[0][0].boolean();
  if (existed) CacheCounters::Add(counters_.deletes);
  return existed;
}

absl::StatusOr<int64_t> DatabaseCache::DeleteMany(absl::Span<const absl::string_view> keys) {
  if (keys.empty()) return 0;
  for (absl::string_view key : keys) {
    if (absl::Status status = CheckKey(key); !status.ok()) return Fail(status);
  }
  absl::StatusOr<pg::Result> result =
      Run("DeleteMany", sql_.del_many,
          {ByteaArray(keys, [](absl::string_view k) { return k; }),
           Now()});
  if (!result.ok()) return Fail(result.status());
  const int64_t deleted = result->rows[0][0].int64();
  CacheCounters::Add(counters_.deletes, deleted);
  return deleted;
}

absl::StatusOr<int64_t> DatabaseCache::Incr(absl::string_view key, int64_t delta) {
  if (absl::Status status = CheckKey(key); !status.ok()) return Fail(status);
  absl::StatusOr<pg::Result> result = Run(
      "Incr", sql_.incr, {Value::Bytes(std::string(key)), Value::Int64(delta), Now()});
  if (!result.ok()) {
    const std::optional<std::string> sqlstate = pg::SqlStateOf(result.status());
    if (sqlstate == "22P02" &&
        absl::StrContains(result.status().message(), kNotInt64Marker)) {
      return Fail(absl::FailedPreconditionError(absl::StrCat(
          "DatabaseCache Incr: the value stored at the key (key of ", key.size(),
          " bytes) is not a decimal int64; it was left unchanged")));
    }
    if (sqlstate == "22003") {
      return Fail(absl::OutOfRangeError(
          absl::StrCat("DatabaseCache Incr: adding ", delta,
                       " to the value stored at the key (key of ", key.size(),
                       " bytes) overflows int64; it was left unchanged")));
    }
    return Fail(result.status());
  }
  int64_t next = 0;
  if (result->rows.size() != 1 || !absl::SimpleAtoi(result->rows[0][0].str(), &next)) {
    return Fail(
        absl::InternalError("DatabaseCache Incr: unexpected result from the server"));
  }
  CacheCounters::Add(counters_.sets);
  return next;
}

absl::StatusOr<std::string> DatabaseCache::GetOrSet(absl::string_view key,
                                                    absl::Duration ttl,
                                                    const Compute& compute) {
  absl::StatusOr<std::optional<std::string>> cached = Get(key);
  if (!cached.ok()) return cached.status();  // already counted
  if (cached->has_value()) return **std::move(cached);
  absl::StatusOr<std::string> computed = compute();
  if (!computed.ok()) return Fail(computed.status());
  if (absl::Status status = CheckEntry(key, *computed); !status.ok()) return Fail(status);
  const Value now = Now();
  absl::StatusOr<pg::Result> result =
      Run("GetOrSet", sql_.get_or_set,
          {Value::Bytes(std::string(key)), Value::Bytes(*std::move(computed)),
           Expires(ttl), now});
  if (!result.ok()) return Fail(result.status());
  CacheCounters::Add(counters_.sets);
  return result->rows[0][0].str();
}

absl::Status DatabaseCache::Clear() {
  absl::StatusOr<pg::Result> result = Run("Clear", sql_.clear, {});
  return Fail(result.status());
}

absl::StatusOr<int64_t> DatabaseCache::CleanupExpired() {
  absl::StatusOr<pg::Result> result = Run("CleanupExpired", sql_.cleanup, {Now()});
  if (!result.ok()) return Fail(result.status());
  CacheCounters::Add(counters_.expirations, result->rows_affected);
  return result->rows_affected;
}

CacheStats DatabaseCache::stats() const { return counters_.Snapshot(); }

absl::StatusOr<CacheStats> DatabaseCache::StatsWithSize() {
  absl::StatusOr<pg::Result> result = Run("StatsWithSize", sql_.size, {Now()});
  if (!result.ok()) return Fail(result.status());
  CacheStats stats = this->stats();
  stats.entries = static_cast<uint64_t>(result->rows[0][0].int64());
  stats.bytes = static_cast<uint64_t>(result->rows[0][1].int64());
  return stats;
}

}  // namespace hyper::cache
