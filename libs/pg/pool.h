// Pool: a bounded set of Connections handed out as RAII leases.
//
// Acquire() returns an idle connection, opens a new one while fewer than
// `size` exist, or waits up to `acquire_timeout` for a lease to come back.
// A connection found broken (on return, or when probed before it is handed
// out) is closed and replaced on demand; a failed connect starts an
// exponential backoff (10 ms doubling to 1 s) during which Acquire fails
// fast with Unavailable if there is nothing else to wait for.
//
// Thread-safe. The pool must outlive its leases.
//
// Example:
//   Pool pool(conninfo, PoolOptions{.size = 4});
//   absl::StatusOr<Pool::Lease> lease = pool.Acquire();
//   if (!lease.ok()) return lease.status();   // DeadlineExceeded, Unavailable
//   absl::StatusOr<Result> r = (*lease)->Exec("SELECT 1");
//   // r->rows[0][0].int64() == 1; the lease returns the connection when destroyed
//   pool.stats().in_use;                      // 1 while `lease` lives
#ifndef HYPER_LIBS_PG_POOL_H_
#define HYPER_LIBS_PG_POOL_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/pg/connection.h"
#include "libs/pg/options.h"

namespace hyper::pg {

struct PoolStats {
  int size = 0;     // connections open (in_use + idle)
  int in_use = 0;   // leased out
  int idle = 0;
  int waiters = 0;  // threads blocked in Acquire() right now
  uint64_t acquires = 0;    // successful Acquire() calls
  uint64_t timeouts = 0;    // Acquire() calls that hit acquire_timeout
  uint64_t reconnects = 0;  // connections opened to replace a broken one
  uint64_t connect_failures = 0;
  // Summed over idle and closed connections; a leased connection's
  // counts join when it comes back (reading them while leased would race).
  uint64_t statement_cache_hits = 0;
  uint64_t statement_cache_misses = 0;
  uint64_t statement_cache_evictions = 0;
};

class Pool {
 public:
  // A leased connection; returns it to the pool when destroyed. Movable.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();

    Connection* operator->() const { return conn_.get(); }
    Connection& operator*() const { return *conn_; }
    Connection* get() const { return conn_.get(); }
    // Returns the connection now (closing it if broken).
    void Release();
    // Closes the connection instead of returning it (e.g. after a protocol
    // error the caller cannot recover from).
    void Discard();

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Pool* pool_ = nullptr;
    std::unique_ptr<Connection> conn_;
  };

  // Does not connect: see Warm(). `observers` are added to every
  // connection (not owned; must outlive the pool).
  Pool(std::string conninfo, PoolOptions options,
       std::vector<QueryObserver*> observers = {});
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  // Closes idle connections. Leases must have been returned.
  ~Pool();

  // Opens connections until min_size exist. Returns the first connect
  // error (Unavailable), leaving the ones that did open.
  absl::Status Warm();

  // A connection, within options.acquire_timeout. DeadlineExceeded (message
  // gives the timeout, size and waiter count) after the timeout; Unavailable
  // when a new connection cannot be opened and none can come back.
  absl::StatusOr<Lease> Acquire();
  // Same with an explicit timeout.
  absl::StatusOr<Lease> Acquire(absl::Duration timeout);

  PoolStats stats() const;
  const PoolOptions& options() const { return options_; }

 private:
  void Return(std::unique_ptr<Connection> conn, bool discard);
  void AbsorbCacheStats(const Connection& conn);  // requires mu_

  const std::string conninfo_;
  const PoolOptions options_;
  const std::vector<QueryObserver*> observers_;

  // std::mutex: ThreadSanitizer cannot see Debian's absl::Mutex.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;          // idle + leased + being opened; guarded by mu_
  int in_use_ = 0;        // guarded by mu_
  int waiters_ = 0;       // guarded by mu_
  int broken_ = 0;        // broken closed, not yet replaced; guarded by mu_
  uint64_t acquires_ = 0, timeouts_ = 0, reconnects_ = 0, connect_failures_ = 0;
  absl::Duration backoff_ = absl::ZeroDuration();     // guarded by mu_
  absl::Time next_connect_ = absl::InfinitePast();     // guarded by mu_
  absl::Status last_connect_error_;                    // guarded by mu_
  StatementCacheStats closed_cache_stats_;             // guarded by mu_
};

}  // namespace hyper::pg

#endif  // HYPER_LIBS_PG_POOL_H_
