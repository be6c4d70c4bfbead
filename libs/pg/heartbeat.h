// Heartbeat: runs `SELECT 1` through a pool every interval on its own
// thread and keeps health statistics; calls back when health changes (the
// query service drives grpc.health.v1 from that callback).
//
// Healthy means consecutive failures < failure_threshold; it starts
// healthy. A beat fails when Acquire() fails (within the pool's
// acquire_timeout) or the statement fails.
//
// Example:
//   Heartbeat beat(&pool, absl::Seconds(1), 3,
//                  [](bool healthy) { SetServing(healthy); });
//   beat.Start();
//   beat.stats().healthy;      // true while the database answers
//   beat.Stop();
#ifndef HYPER_LIBS_PG_HEARTBEAT_H_
#define HYPER_LIBS_PG_HEARTBEAT_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/pg/pool.h"

namespace hyper::pg {

struct HeartbeatStats {
  uint64_t beats = 0;     // total, successful or not
  uint64_t failures = 0;
  uint64_t consecutive_failures = 0;
  bool healthy = true;
  double uptime_ratio = 1.0;  // successful / beats; 1 before the first beat
  absl::Time last_beat = absl::InfinitePast();
  absl::Status last_error;
  // Over the last kLatencyWindow successful beats (zero when none).
  size_t latency_samples = 0;
  absl::Duration average_latency;
  absl::Duration p99_latency;
};

class Heartbeat {
 public:
  using HealthCallback = std::function<void(bool healthy)>;
  inline static constexpr size_t kLatencyWindow = 100;

  // `pool` must outlive the heartbeat. `on_change` (may be empty) runs on
  // the heartbeat's thread (or BeatOnce's caller) after the state changed.
  Heartbeat(Pool* pool, absl::Duration interval, int failure_threshold,
            HealthCallback on_change = nullptr);
  ~Heartbeat();  // Stop()

  // Idempotent. The first beat runs immediately.
  void Start();
  // Idempotent; waits for a running beat to finish.
  void Stop();

  // One beat on the caller's thread (tests, or a service's startup check).
  absl::Status BeatOnce();

  HeartbeatStats stats() const;
  bool healthy() const;

 private:
  void Run();

  Pool* const pool_;
  const absl::Duration interval_;
  const uint64_t failure_threshold_;
  const HealthCallback on_change_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;                 // guarded by mu_
  HeartbeatStats stats_;                 // guarded by mu_ (derived fields computed in stats())
  std::deque<absl::Duration> latencies_;  // guarded by mu_
  std::mutex beat_mu_;                   // one beat at a time
  std::thread thread_;
};

}  // namespace hyper::pg

#endif  // HYPER_LIBS_PG_HEARTBEAT_H_
