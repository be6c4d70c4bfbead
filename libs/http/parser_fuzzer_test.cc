// Replays the seed corpus (testdata/http/corpus) through the libFuzzer
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

namespace hyper::http {
namespace {

TEST(ParserFuzzerTest, ReplaysSeedCorpus) {
  // Tests run in the runfiles root of the workspace.
  const std::filesystem::path corpus = "testdata/http/corpus";
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
  EXPECT_GE(files, 20);
}

TEST(ParserFuzzerTest, EmptyAndTinyInputs) {
  EXPECT_EQ(LLVMFuzzerTestOneInput(nullptr, 0), 0);
  const uint8_t crlf[] = {'\r', '\n'};
  EXPECT_EQ(LLVMFuzzerTestOneInput(crlf, sizeof(crlf)), 0);
}

}  // namespace
}  // namespace hyper::http
