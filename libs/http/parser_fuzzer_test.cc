// Replays the seed corpus (testdata/http/corpus) through the libFuzzer
// target, so the target keeps building and its invariants keep holding on
// every seed without a fuzzing toolchain.
#include <cstddef>
#include <cstdint>

#include "gtest/gtest.h"
#include "libs/testing/fuzz_corpus.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace hyper::http {
namespace {

TEST(ParserFuzzerTest, ReplaysSeedCorpus) {
  EXPECT_GE(testing::ReplayCorpus("testdata/http/corpus", LLVMFuzzerTestOneInput), 20);
}

TEST(ParserFuzzerTest, EmptyAndTinyInputs) {
  EXPECT_EQ(LLVMFuzzerTestOneInput(nullptr, 0), 0);
  const uint8_t crlf[] = {'\r', '\n'};
  EXPECT_EQ(LLVMFuzzerTestOneInput(crlf, sizeof(crlf)), 0);
}

}  // namespace
}  // namespace hyper::http
