// ReplayCorpus: runs every file of a fuzzer's seed corpus through its
// LLVMFuzzerTestOneInput, so each libFuzzer target keeps building and its
// invariants keep holding in ordinary test runs, without a fuzzing toolchain.
//
// Example (in a gtest beside a fuzzer):
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
//   TEST(ParserFuzzerTest, ReplaysSeedCorpus) {
//     EXPECT_GE(ReplayCorpus("testdata/http/corpus", LLVMFuzzerTestOneInput), 20);
//   }
#ifndef HYPER_LIBS_TESTING_FUZZ_CORPUS_H_
#define HYPER_LIBS_TESTING_FUZZ_CORPUS_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "gtest/gtest.h"

namespace hyper::testing {

using FuzzTarget = int (*)(const uint8_t* data, size_t size);

// Feeds each file under `directory` (relative to the runfiles root, where
// tests run) to `target`, expecting 0 each time. Returns how many files were
// replayed; a missing directory is a test failure.
inline int ReplayCorpus(const std::filesystem::path& directory, FuzzTarget target) {
  EXPECT_TRUE(std::filesystem::is_directory(directory)) << directory;
  if (!std::filesystem::is_directory(directory)) return 0;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    std::ifstream in(entry.path(), std::ios::binary);
    EXPECT_TRUE(in) << entry.path();
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().string());
    EXPECT_EQ(target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
    ++files;
  }
  return files;
}

}  // namespace hyper::testing

#endif  // HYPER_LIBS_TESTING_FUZZ_CORPUS_H_
