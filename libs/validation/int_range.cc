#include "libs/validation/int_range.h"

#include <immintrin.h>

namespace hyper::validation {
namespace internal {

size_t FirstOutOfRangeScalar(const int64_t* v, size_t n, int64_t min, int64_t max) {
  for (size_t i = 0; i < n; ++i) {
    if (v[i] < min || v[i] > max) return i;
  }
  return n;
}

size_t CountOutOfRangeScalar(const int64_t* v, size_t n, int64_t min, int64_t max) {
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += (v[i] < min) | (v[i] > max);
  return count;
}

namespace {

// All-ones in each 64-bit lane whose value is outside [lo, hi].
__attribute__((target("avx2"))) inline __m256i OutsideMask(__m256i x, __m256i lo,
                                                          __m256i hi) {
  return _mm256_or_si256(_mm256_cmpgt_epi64(lo, x), _mm256_cmpgt_epi64(x, hi));
}

__attribute__((target("avx2"))) inline __m256i Load(const int64_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

}  // namespace

__attribute__((target("avx2"))) size_t FirstOutOfRangeAvx2(const int64_t* v, size_t n,
                                                           int64_t min, int64_t max) {
  const __m256i lo = _mm256_set1_epi64x(min);
  const __m256i hi = _mm256_set1_epi64x(max);
  size_t i = 0;
  // 16 values a step: four independent compares, one test.
  for (; i + 16 <= n; i += 16) {
    const __m256i a = OutsideMask(Load(v + i), lo, hi);
    const __m256i b = OutsideMask(Load(v + i + 4), lo, hi);
    const __m256i c = OutsideMask(Load(v + i + 8), lo, hi);
    const __m256i d = OutsideMask(Load(v + i + 12), lo, hi);
    const __m256i any = _mm256_or_si256(_mm256_or_si256(a, b), _mm256_or_si256(c, d));
    if (!_mm256_testz_si256(any, any)) break;  // the exact index is found below
  }
  for (; i + 4 <= n; i += 4) {
    const __m256i m = OutsideMask(Load(v + i), lo, hi);
    const int bits = _mm256_movemask_pd(_mm256_castsi256_pd(m));
    if (bits != 0) return i + static_cast<size_t>(__builtin_ctz(bits));
  }
  return i + FirstOutOfRangeScalar(v + i, n - i, min, max);
}

__attribute__((target("avx2"))) size_t CountOutOfRangeAvx2(const int64_t* v, size_t n,
                                                           int64_t min, int64_t max) {
  const __m256i lo = _mm256_set1_epi64x(min);
  const __m256i hi = _mm256_set1_epi64x(max);
  // Each outside lane adds -1 to its accumulator lane.
  __m256i acc0 = _mm256_setzero_si256();
  __m256i acc1 = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    acc0 = _mm256_add_epi64(acc0, OutsideMask(Load(v + i), lo, hi));
    acc1 = _mm256_add_epi64(acc1, OutsideMask(Load(v + i + 4), lo, hi));
  }
  for (; i + 4 <= n; i += 4) {
    acc0 = _mm256_add_epi64(acc0, OutsideMask(Load(v + i), lo, hi));
  }
  alignas(32) int64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes),
                     _mm256_add_epi64(acc0, acc1));
  const int64_t negative = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  return static_cast<size_t>(-negative) + CountOutOfRangeScalar(v + i, n - i, min, max);
}

bool CpuHasAvx2() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
}

namespace {

using FirstFn = size_t (*)(const int64_t*, size_t, int64_t, int64_t);

struct Kernels {
  FirstFn first;
  FirstFn count;
};

Kernels Choose(RangeImpl impl) {
  if (impl == RangeImpl::kScalar || !CpuHasAvx2()) {
    return {FirstOutOfRangeScalar, CountOutOfRangeScalar};
  }
  return {FirstOutOfRangeAvx2, CountOutOfRangeAvx2};
}

Kernels& Active() {
  static Kernels kernels = Choose(RangeImpl::kAuto);
  return kernels;
}

}  // namespace

bool SetRangeImplForTesting(RangeImpl impl) {
  if (impl == RangeImpl::kAvx2 && !CpuHasAvx2()) return false;
  Active() = Choose(impl);
  return true;
}

}  // namespace internal

size_t FirstOutOfRange(const int64_t* v, size_t n, int64_t min, int64_t max) {
  return internal::Active().first(v, n, min, max);
}

size_t CountOutOfRange(const int64_t* v, size_t n, int64_t min, int64_t max) {
  return internal::Active().count(v, n, min, max);
}

}  // namespace hyper::validation
