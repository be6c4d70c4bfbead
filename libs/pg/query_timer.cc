#include "libs/pg/query_timer.h"

namespace hyper::pg {

QueryTimer::QueryTimer(metrics::Histogram* histogram) : histogram_(histogram) {
  if (histogram_ == nullptr) {
    owned_ = std::make_unique<metrics::Histogram>(metrics::DefaultLatencyBounds());
    histogram_ = owned_.get();
  }
}

void QueryTimer::OnQueryStart() { in_flight_.fetch_add(1, std::memory_order_relaxed); }

void QueryTimer::OnQueryDone(const Statement& statement, absl::Duration elapsed,
                             const absl::Status& status) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (!status.ok()) errors_.fetch_add(1, std::memory_order_relaxed);
  total_nanos_.fetch_add(absl::ToInt64Nanoseconds(elapsed), std::memory_order_relaxed);
  histogram_->Observe(absl::ToDoubleSeconds(elapsed));
}

QueryTimerStats QueryTimer::stats() const {
  QueryTimerStats s;
  s.count = count_.load(std::memory_order_relaxed);
  s.errors = errors_.load(std::memory_order_relaxed);
  s.in_flight = in_flight_.load(std::memory_order_relaxed);
  s.total = absl::Nanoseconds(total_nanos_.load(std::memory_order_relaxed));
  s.average = s.count == 0 ? absl::ZeroDuration() : s.total / static_cast<int64_t>(s.count);
  return s;
}

}  // namespace hyper::pg
