// QueryTimer: thread-safe statement counters and a latency histogram, fed
// by every statement of the connections it observes.
//
// Example:
//   QueryTimer timer;
//   Pool pool(conninfo, options, {&timer});
//   (*pool.Acquire())->Exec("SELECT 1");
//   QueryTimerStats s = timer.stats();
//   // s.count == 1, s.errors == 0, s.in_flight == 0, s.average == s.total
//   timer.histogram().count();   // 1 (seconds, DefaultLatencyBounds)
#ifndef HYPER_LIBS_PG_QUERY_TIMER_H_
#define HYPER_LIBS_PG_QUERY_TIMER_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/metrics/metrics.h"
#include "libs/pg/connection.h"

namespace hyper::pg {

struct QueryTimerStats {
  uint64_t count = 0;    // finished statements, errors included
  uint64_t errors = 0;   // finished with a non-OK status
  int64_t in_flight = 0; // started, not finished
  absl::Duration total;  // summed elapsed time of finished statements
  absl::Duration average;  // total / count; zero when count == 0
};

class QueryTimer : public QueryObserver {
 public:
  // Records into `histogram` (seconds) when given, e.g. one from a
  // metrics::Registry; otherwise into its own, with DefaultLatencyBounds().
  explicit QueryTimer(metrics::Histogram* histogram = nullptr);

  void OnQueryStart() override;
  void OnQueryDone(const Statement& statement, absl::Duration elapsed,
                   const absl::Status& status) override;

  QueryTimerStats stats() const;
  const metrics::Histogram& histogram() const { return *histogram_; }

 private:
  std::unique_ptr<metrics::Histogram> owned_;
  metrics::Histogram* histogram_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> total_nanos_{0};
};

}  // namespace hyper::pg

#endif  // HYPER_LIBS_PG_QUERY_TIMER_H_
