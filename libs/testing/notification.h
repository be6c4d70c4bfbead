// Notification: a one-shot event for tests, on std::mutex and
// std::condition_variable so that ThreadSanitizer sees the hand-off (it
// cannot see absl::Notification in Debian's uninstrumented libabsl).
//
// Example:
//   Notification done;
//   std::thread t([&] { ...; done.Notify(); });
//   EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
#ifndef HYPER_LIBS_TESTING_NOTIFICATION_H_
#define HYPER_LIBS_TESTING_NOTIFICATION_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/time/time.h"

namespace hyper::testing {

class Notification {
 public:
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
    cv_.notify_all();
  }
  // True if notified within `timeout`.
  bool WaitForNotificationWithTimeout(absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                        [this] { return notified_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
};

}  // namespace hyper::testing

#endif  // HYPER_LIBS_TESTING_NOTIFICATION_H_
