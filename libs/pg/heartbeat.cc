#include "libs/pg/heartbeat.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "absl/time/clock.h"

namespace hyper::pg {

Heartbeat::Heartbeat(Pool* pool, absl::Duration interval, int failure_threshold,
                     HealthCallback on_change)
    : pool_(pool),
      interval_(interval),
      failure_threshold_(static_cast<uint64_t>(std::max(1, failure_threshold))),
      on_change_(std::move(on_change)) {}

Heartbeat::~Heartbeat() { Stop(); }

void Heartbeat::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { Run(); });
}

void Heartbeat::Stop() {
  std::thread t;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
    t = std::move(thread_);
  }
  cv_.notify_all();
  if (t.joinable()) t.join();
}

void Heartbeat::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (running_) {
    lock.unlock();
    BeatOnce().IgnoreError();
    lock.lock();
    cv_.wait_for(lock, absl::ToChronoNanoseconds(interval_),
                 [&] { return !running_; });
  }
}

absl::Status Heartbeat::BeatOnce() {
  std::lock_guard<std::mutex> beat_lock(beat_mu_);
  const absl::Time start = absl::Now();
  absl::Status status;
  {
    absl::StatusOr<Pool::Lease> lease = pool_->Acquire();
    if (!lease.ok()) {
      status = lease.status();
    } else {
      absl::StatusOr<Result> r = (*lease)->Exec("SELECT 1");
      status = r.status();
    }
  }
  const absl::Duration latency = absl::Now() - start;
  bool changed = false;
  bool healthy = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const bool was_healthy = stats_.healthy;
    ++stats_.beats;
    stats_.last_beat = absl::Now();
    stats_.last_error = status;
    if (status.ok()) {
      stats_.consecutive_failures = 0;
      latencies_.push_back(latency);
      if (latencies_.size() > kLatencyWindow) latencies_.pop_front();
    } else {
      ++stats_.failures;
      ++stats_.consecutive_failures;
    }
    stats_.healthy = stats_.consecutive_failures < failure_threshold_;
    healthy = stats_.healthy;
    changed = healthy != was_healthy;
  }
  if (changed && on_change_) on_change_(healthy);
  return status;
}

HeartbeatStats Heartbeat::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  HeartbeatStats s = stats_;
  s.uptime_ratio = s.beats == 0 ? 1.0
                                : static_cast<double>(s.beats - s.failures) /
                                      static_cast<double>(s.beats);
  s.latency_samples = latencies_.size();
  if (!latencies_.empty()) {
    std::vector<absl::Duration> sorted(latencies_.begin(), latencies_.end());
    absl::Duration sum;
    for (absl::Duration d : sorted) sum += d;
    s.average_latency = sum / static_cast<int64_t>(sorted.size());
    std::sort(sorted.begin(), sorted.end());
    // Nearest rank: the smallest sample with at least 99% at or below it.
    size_t rank = (sorted.size() * 99 + 99) / 100;
    s.p99_latency = sorted[std::max<size_t>(rank, 1) - 1];
  }
  return s;
}

bool Heartbeat::healthy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_.healthy;
}

}  // namespace hyper::pg
