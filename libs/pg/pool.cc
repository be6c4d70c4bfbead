#include "libs/pg/pool.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hyper::pg {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(10);
constexpr absl::Duration kMaxBackoff = absl::Seconds(1);

}  // namespace

Pool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), conn_(std::move(other.conn_)) {
  other.pool_ = nullptr;
}

Pool::Lease& Pool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = other.pool_;
    conn_ = std::move(other.conn_);
    other.pool_ = nullptr;
  }
  return *this;
}

Pool::Lease::~Lease() { Release(); }

void Pool::Lease::Release() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Return(std::move(conn_), false);
  pool_ = nullptr;
  conn_.reset();
}

void Pool::Lease::Discard() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Return(std::move(conn_), true);
  pool_ = nullptr;
  conn_.reset();
}

Pool::Pool(std::string conninfo, PoolOptions options,
           std::vector<QueryObserver*> observers)
    : conninfo_(std::move(conninfo)),
      options_(options),
      observers_(std::move(observers)) {}

Pool::~Pool() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

absl::Status Pool::Warm() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (open_ >= options_.min_size || open_ >= options_.size) {
        return absl::OkStatus();
      }
      ++open_;
    }
    absl::StatusOr<std::unique_ptr<Connection>> conn =
        Connection::Connect(conninfo_, options_.connection);
    std::lock_guard<std::mutex> lock(mu_);
    if (!conn.ok()) {
      --open_;
      ++connect_failures_;
      last_connect_error_ = conn.status();
      return conn.status();
    }
    for (QueryObserver* o : observers_) (*conn)->AddObserver(o);
    idle_.push_back(*std::move(conn));
    cv_.notify_one();
  }
}

absl::StatusOr<Pool::Lease> Pool::Acquire() {
  return Acquire(options_.acquire_timeout);
}

absl::StatusOr<Pool::Lease> Pool::Acquire(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.front());
      idle_.pop_front();
      ++in_use_;
      lock.unlock();
      // Probe outside the lock: it only reads what already arrived.
      if (conn->CheckAlive()) {
        lock.lock();
        ++acquires_;
        return Lease(this, std::move(conn));
      }
      lock.lock();
      AbsorbCacheStats(*conn);
      --in_use_;
      --open_;
      ++broken_;
      lock.unlock();
      conn.reset();  // PQfinish outside the lock
      lock.lock();
      continue;
    }
    const absl::Time now = absl::Now();
    if (open_ < options_.size && now >= next_connect_) {
      ++open_;
      ++in_use_;
      lock.unlock();
      absl::StatusOr<std::unique_ptr<Connection>> conn =
          Connection::Connect(conninfo_, options_.connection);
      lock.lock();
      if (conn.ok()) {
        for (QueryObserver* o : observers_) (*conn)->AddObserver(o);
        backoff_ = absl::ZeroDuration();
        next_connect_ = absl::InfinitePast();
        if (broken_ > 0) {
          --broken_;
          ++reconnects_;
        }
        ++acquires_;
        return Lease(this, *std::move(conn));
      }
      --open_;
      --in_use_;
      ++connect_failures_;
      last_connect_error_ = conn.status();
      backoff_ = backoff_ == absl::ZeroDuration()
                     ? kFirstBackoff
                     : std::min(backoff_ * 2, kMaxBackoff);
      next_connect_ = absl::Now() + backoff_;
      // Someone else may be able to use a connection coming back.
      cv_.notify_one();
      return conn.status();
    }
    if (open_ < options_.size && in_use_ == 0 && idle_.empty()) {
      // Nothing can come back: only a connect can help, and it is backing off.
      return absl::UnavailableError(absl::StrCat(
          "cannot connect (retrying in ",
          absl::FormatDuration(next_connect_ - now),
          "): ", last_connect_error_.message()));
    }
    if (now >= deadline) {
      ++timeouts_;
      return absl::DeadlineExceededError(absl::StrCat(
          "no database connection free after ", absl::FormatDuration(timeout),
          " (pool size ", options_.size, ", in use ", in_use_, ", waiters ",
          waiters_ + 1, ")"));
    }
    absl::Time wake = deadline;
    if (open_ < options_.size) wake = std::min(wake, next_connect_);
    ++waiters_;
    cv_.wait_for(lock, absl::ToChronoNanoseconds(
                           std::max(wake - now, absl::Milliseconds(1))));
    --waiters_;
  }
}

void Pool::AbsorbCacheStats(const Connection& conn) {
  StatementCacheStats s = conn.cache_stats();
  closed_cache_stats_.hits += s.hits;
  closed_cache_stats_.misses += s.misses;
  closed_cache_stats_.evictions += s.evictions;
}

void Pool::Return(std::unique_ptr<Connection> conn, bool discard) {
  bool broken = discard || !conn->ok() || conn->in_copy();
  std::unique_lock<std::mutex> lock(mu_);
  --in_use_;
  if (broken) {
    AbsorbCacheStats(*conn);
    --open_;
    if (!discard) ++broken_;
    lock.unlock();
    conn.reset();
    lock.lock();
  } else {
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

PoolStats Pool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  PoolStats s;
  s.idle = static_cast<int>(idle_.size());
  s.in_use = in_use_;
  s.size = s.idle + s.in_use;
  s.waiters = waiters_;
  s.acquires = acquires_;
  s.timeouts = timeouts_;
  s.reconnects = reconnects_;
  s.connect_failures = connect_failures_;
  s.statement_cache_hits = closed_cache_stats_.hits;
  s.statement_cache_misses = closed_cache_stats_.misses;
  s.statement_cache_evictions = closed_cache_stats_.evictions;
  for (const auto& c : idle_) {
    StatementCacheStats cs = c->cache_stats();
    s.statement_cache_hits += cs.hits;
    s.statement_cache_misses += cs.misses;
    s.statement_cache_evictions += cs.evictions;
  }
  return s;
}

}  // namespace hyper::pg
