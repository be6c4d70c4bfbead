#include "libs/validation/int_range.h"

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace hyper::validation {
namespace {

using internal::CountOutOfRangeAvx2;
using internal::CountOutOfRangeScalar;
using internal::FirstOutOfRangeAvx2;
using internal::FirstOutOfRangeScalar;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(IntRangeTest, Examples) {
  const int64_t v[] = {3, 9, 12, 5};
  EXPECT_EQ(FirstOutOfRange(v, 4, 0, 10), 2u);
  EXPECT_EQ(CountOutOfRange(v, 4, 0, 10), 1u);
  EXPECT_EQ(FirstOutOfRange(v, 4, 0, 20), 4u);
  EXPECT_EQ(FirstOutOfRange(nullptr, 0, 0, 1), 0u);
  EXPECT_EQ(CountOutOfRange(nullptr, 0, 0, 1), 0u);
  EXPECT_EQ(FirstOutOfRange(v, 4, 5, 4), 0u);  // empty range
  EXPECT_EQ(CountOutOfRange(v, 4, 5, 4), 4u);
}

// Both kernels against each other and against the obvious answer.
void ExpectSame(const std::vector<int64_t>& v, int64_t lo, int64_t hi) {
  const size_t n = v.size();
  size_t first = n;
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) {
    if (v[i] < lo || v[i] > hi) {
      if (first == n) first = i;
      ++count;
    }
  }
  ASSERT_EQ(FirstOutOfRangeScalar(v.data(), n, lo, hi), first);
  ASSERT_EQ(CountOutOfRangeScalar(v.data(), n, lo, hi), count);
  if (!internal::CpuHasAvx2()) return;
  ASSERT_EQ(FirstOutOfRangeAvx2(v.data(), n, lo, hi), first)
      << "n=" << n << " lo=" << lo << " hi=" << hi;
  ASSERT_EQ(CountOutOfRangeAvx2(v.data(), n, lo, hi), count)
      << "n=" << n << " lo=" << lo << " hi=" << hi;
}

TEST(IntRangeTest, Avx2MatchesScalarOnRandomData) {
  if (!internal::CpuHasAvx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937_64 rng(20240611);
  for (int round = 0; round < 3000; ++round) {
    const size_t n = rng() % 70;  // every tail length, several vector blocks
    int64_t lo = static_cast<int64_t>(rng() % 200) - 100;
    int64_t hi = lo + static_cast<int64_t>(rng() % 200);
    std::vector<int64_t> v(n);
    const int mode = round % 4;
    for (int64_t& x : v) {
      switch (mode) {
        case 0: x = static_cast<int64_t>(rng()); break;               // any
        case 1: x = lo + static_cast<int64_t>(rng() % (hi - lo + 1)); break;  // inside
        case 2: x = (rng() & 1) ? lo - 1 + static_cast<int64_t>(rng() % 3)
                                : hi - 1 + static_cast<int64_t>(rng() % 3); break;
        default: x = lo - 150 + static_cast<int64_t>(rng() % 400); break;
      }
    }
    // Sometimes a single outlier at a random place in otherwise good data.
    if (mode == 1 && n > 0 && rng() % 2) v[rng() % n] = (rng() & 1) ? hi + 1 : lo - 1;
    ExpectSame(v, lo, hi);
  }
}

TEST(IntRangeTest, Avx2MatchesScalarOnBoundaries) {
  if (!internal::CpuHasAvx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  const int64_t edges[] = {kMin, kMin + 1, -1, 0, 1, kMax - 1, kMax};
  for (int64_t lo : edges) {
    for (int64_t hi : edges) {
      for (size_t n : {0, 1, 3, 4, 5, 15, 16, 17, 31, 33}) {
        for (size_t bad = 0; bad <= n; ++bad) {
          std::vector<int64_t> v(n, lo);
          for (size_t i = 0; i < n; ++i) v[i] = (i % 2) ? lo : hi;
          ExpectSame(v, lo, hi);
          if (bad < n) {
            for (int64_t x : edges) {
              v[bad] = x;
              ExpectSame(v, lo, hi);
            }
          }
        }
      }
    }
  }
}

TEST(IntRangeTest, DispatchCanBeForced) {
  const std::vector<int64_t> v = {1, 2, 3, 4, 5, 6, 7, 99, 8};
  ASSERT_TRUE(internal::SetRangeImplForTesting(internal::RangeImpl::kScalar));
  EXPECT_EQ(FirstOutOfRange(v.data(), v.size(), 0, 10), 7u);
  if (internal::SetRangeImplForTesting(internal::RangeImpl::kAvx2)) {
    EXPECT_EQ(FirstOutOfRange(v.data(), v.size(), 0, 10), 7u);
    EXPECT_EQ(CountOutOfRange(v.data(), v.size(), 0, 10), 1u);
  }
  ASSERT_TRUE(internal::SetRangeImplForTesting(internal::RangeImpl::kAuto));
}

}  // namespace
}  // namespace hyper::validation
