#include "services/bench/progress.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace hyper::bench {

std::string WithCommas(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

Progress::Progress(std::FILE* out, std::string label, int64_t total)
    : Progress(out, std::move(label), total, isatty(fileno(out)) == 1) {}

Progress::Progress(std::FILE* out, std::string label, int64_t total, bool tty)
    : out_(out), label_(std::move(label)), total_(std::max<int64_t>(total, 1)), tty_(tty),
      start_(absl::Now()) {}

void Progress::Advance(int64_t n) {
  done_ = std::min(total_, done_ + n);
  Draw();
}

void Progress::Draw() {
  int percent = static_cast<int>(done_ * 100 / total_);
  if (tty_) {
    if (percent == last_step_) return;
    last_step_ = percent;
    constexpr int kWidth = 30;
    int filled = percent * kWidth / 100;
    std::fprintf(out_, "\r  %-14s [%s%s] %3d%%  %s/%s", label_.c_str(),
                 std::string(filled, '#').c_str(), std::string(kWidth - filled, '-').c_str(),
                 percent, WithCommas(done_).c_str(), WithCommas(total_).c_str());
  } else {
    int quarter = percent / 25;
    if (quarter == last_step_ || quarter == 0 || quarter == 4) return;
    last_step_ = quarter;
    std::fprintf(out_, "%s: %s/%s\n", label_.c_str(), WithCommas(done_).c_str(),
                 WithCommas(total_).c_str());
  }
  std::fflush(out_);
}

void Progress::Done() {
  double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
  if (tty_) std::fprintf(out_, "\r\033[K");
  std::fprintf(out_, "%s: %s rows in %.2f s\n", label_.c_str(), WithCommas(done_).c_str(),
               seconds);
  std::fflush(out_);
}

}  // namespace hyper::bench
