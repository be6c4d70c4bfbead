// What the cache tests share: a StatusOr matcher (Debian's gmock 1.12 has
// none), a clock the test moves by hand, and a Get that expects success.
//
// Example:
//   FakeClock clock;
//   LocMemCache cache({.clock = clock.AsFunction()});
//   clock.Advance(absl::Seconds(61));
//   EXPECT_EQ(GetOrDie(cache, "k"), std::nullopt);
//   EXPECT_THAT(cache.Add("k", "v"), IsOkAndHolds(true));
#ifndef HYPER_LIBS_CACHE_CACHE_TESTING_H_
#define HYPER_LIBS_CACHE_CACHE_TESTING_H_

#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/cache/cache.h"

namespace hyper::cache {

MATCHER_P(IsOkAndHolds, expected, "") {
  if (!arg.ok()) {
    *result_listener << "status " << arg.status();
    return false;
  }
  return *arg == expected;
}

// A clock the test moves by hand; thread-safe like the real one.
class FakeClock {
 public:
  absl::Time Now() {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }
  std::function<absl::Time()> AsFunction() {
    return [this] { return Now(); };
  }

 private:
  std::mutex mu_;
  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
};

// The value at `key`, or std::nullopt; a failed Get fails the test.
inline std::optional<std::string> GetOrDie(Cache& cache, absl::string_view key) {
  absl::StatusOr<std::optional<std::string>> value = cache.Get(key);
  EXPECT_TRUE(value.ok()) << value.status();
  return value.ok() ? *value : std::nullopt;
}

}  // namespace hyper::cache

#endif  // HYPER_LIBS_CACHE_CACHE_TESTING_H_
