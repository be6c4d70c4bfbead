// Progress: a one-line progress bar on a terminal, plain lines otherwise
// (a log file or CI gets one line per quarter instead of a stream of \r).
//
// Example:
//   Progress p(stderr, "seed posts", 50000);
//   p.Advance(2000);   // tty: "\r  seed posts [##--------------]  2,000/50,000"
//   ...                // not a tty: "seed posts: 12,500/50,000" at 25/50/75%
//   p.Done();          // "seed posts: 50,000 rows in 1.23 s"
#ifndef HYPER_SERVICES_BENCH_PROGRESS_H_
#define HYPER_SERVICES_BENCH_PROGRESS_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/time/time.h"

namespace hyper::bench {

class Progress {
 public:
  // `tty` defaults to whether `out` is a terminal.
  Progress(std::FILE* out, std::string label, int64_t total);
  Progress(std::FILE* out, std::string label, int64_t total, bool tty);

  void Advance(int64_t n);
  // Ends the line (tty) and prints the total and the elapsed time.
  void Done();

  int64_t done() const { return done_; }

 private:
  void Draw();

  std::FILE* out_;
  std::string label_;
  int64_t total_;
  bool tty_;
  int64_t done_ = 0;
  int last_step_ = -1;  // percent (tty) or quarter (plain) last printed
  absl::Time start_;
};

// 50000 -> "50,000".
std::string WithCommas(int64_t n);

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_PROGRESS_H_
