// Replays the seed corpus (testdata/validation/corpus) through the libFuzzer
// target, so the target keeps building and its invariants keep holding on
// every seed without a fuzzing toolchain.
#include <cstddef>
#include <cstdint>

#include "gtest/gtest.h"
#include "libs/testing/fuzz_corpus.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace hyper::validation {
namespace {

TEST(ValidationFuzzerTest, ReplaysSeedCorpus) {
  EXPECT_GE(testing::ReplayCorpus("testdata/validation/corpus", LLVMFuzzerTestOneInput), 15);
}

TEST(ValidationFuzzerTest, EmptyAndTinyInputs) {
  EXPECT_EQ(LLVMFuzzerTestOneInput(nullptr, 0), 0);
  const uint8_t brace[] = {'{'};
  EXPECT_EQ(LLVMFuzzerTestOneInput(brace, sizeof(brace)), 0);
}

}  // namespace
}  // namespace hyper::validation
