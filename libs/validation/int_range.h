// Batch range checks over int64 arrays, with an AVX2 kernel chosen at run
// time (__builtin_cpu_supports) and a scalar fallback, so the default build
// (no -march) runs everywhere and still uses AVX2 where the CPU has it.
//
// Example:
//   const int64_t v[] = {3, 9, 12, 5};
//   FirstOutOfRange(v, 4, 0, 10)  // == 2 (12 > 10)
//   CountOutOfRange(v, 4, 0, 10)  // == 1
//   FirstOutOfRange(v, 4, 0, 20)  // == 4 (all in range)
#ifndef HYPER_LIBS_VALIDATION_INT_RANGE_H_
#define HYPER_LIBS_VALIDATION_INT_RANGE_H_

#include <cstddef>
#include <cstdint>

namespace hyper::validation {

// The index of the first v[i] outside [min, max] (inclusive bounds), or `n`
// when every value is inside (and for n == 0). With min > max every value is
// outside. `v` may be null when n == 0.
size_t FirstOutOfRange(const int64_t* v, size_t n, int64_t min, int64_t max);

// How many of v[0..n) lie outside [min, max].
size_t CountOutOfRange(const int64_t* v, size_t n, int64_t min, int64_t max);

namespace internal {

enum class RangeImpl { kAuto, kScalar, kAvx2 };

// For tests and benchmarks: forces a kernel. Returns false (and changes
// nothing) when the CPU lacks AVX2 and kAvx2 was asked for. Not thread-safe.
bool SetRangeImplForTesting(RangeImpl impl);

size_t FirstOutOfRangeScalar(const int64_t* v, size_t n, int64_t min, int64_t max);
size_t CountOutOfRangeScalar(const int64_t* v, size_t n, int64_t min, int64_t max);
// Only call these when CpuHasAvx2().
size_t FirstOutOfRangeAvx2(const int64_t* v, size_t n, int64_t min, int64_t max);
size_t CountOutOfRangeAvx2(const int64_t* v, size_t n, int64_t min, int64_t max);
bool CpuHasAvx2();

}  // namespace internal
}  // namespace hyper::validation

#endif  // HYPER_LIBS_VALIDATION_INT_RANGE_H_
