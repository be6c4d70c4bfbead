#include "services/bench/progress.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace hyper::bench {
namespace {

std::string Drive(bool tty) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  Progress p(out, "seed", 1000, tty);
  for (int i = 0; i < 10; ++i) p.Advance(100);
  p.Done();
  std::fclose(out);
  std::string text(buffer, size);
  free(buffer);
  return text;
}

TEST(ProgressTest, PlainLinesWhenNotATerminal) {
  std::string text = Drive(false);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.rfind("seed: 300/1,000\nseed: 500/1,000\nseed: 800/1,000\nseed: 1,000 rows in ", 0),
            0u) << text;
}

TEST(ProgressTest, OneRedrawnLineOnATerminal) {
  std::string text = Drive(true);
  EXPECT_NE(text.find("\r  seed           [###############---------------]  50%  500/1,000"),
            std::string::npos) << text;
  EXPECT_NE(text.find("seed: 1,000 rows in "), std::string::npos);
}

TEST(ProgressTest, WithCommas) {
  EXPECT_EQ(WithCommas(0), "0");
  EXPECT_EQ(WithCommas(999), "999");
  EXPECT_EQ(WithCommas(50000), "50,000");
  EXPECT_EQ(WithCommas(-1234567), "-1,234,567");
}

}  // namespace
}  // namespace hyper::bench
