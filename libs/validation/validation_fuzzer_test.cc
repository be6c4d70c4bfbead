// Replays the seed corpus (testdata/validation/corpus) through the libFuzzer
// target, so the target keeps building and its invariants keep holding on
// every seed without a fuzzing toolchain.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace hyper::validation {
namespace {

TEST(ValidationFuzzerTest, ReplaysSeedCorpus) {
  // Tests run in the runfiles root of the workspace.
  const std::filesystem::path corpus = "testdata/validation/corpus";
  ASSERT_TRUE(std::filesystem::is_directory(corpus)) << corpus;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    ASSERT_TRUE(in) << entry.path();
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().string());
    EXPECT_EQ(LLVMFuzzerTestOneInput(
                  reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
              0);
    ++files;
  }
  EXPECT_GE(files, 15);
}

TEST(ValidationFuzzerTest, EmptyAndTinyInputs) {
  EXPECT_EQ(LLVMFuzzerTestOneInput(nullptr, 0), 0);
  const uint8_t brace[] = {'{'};
  EXPECT_EQ(LLVMFuzzerTestOneInput(brace, sizeof(brace)), 0);
}

}  // namespace
}  // namespace hyper::validation
