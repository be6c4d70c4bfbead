#include "libs/json/reader.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/json/writer.h"

namespace hyper::json {
namespace {

std::string Nested(size_t depth) {
  return std::string(depth, '[') + "1" + std::string(depth, ']');
}

TEST(JsonReaderTest, ParsesObject) {
  JsonReader reader;
  auto root = reader.Parse(R"({"n":7,"s":"h\u00e9","b":true,"d":2.5})");
  ASSERT_TRUE(root.ok()) << root.status();
  int64_t n = 0;
  EXPECT_EQ(ReadInt64((*root)["n"].value_unsafe(), &n), ReadResult::kOk);
  EXPECT_EQ(n, 7);
  absl::string_view s;
  EXPECT_EQ(ReadString((*root)["s"].value_unsafe(), &s), ReadResult::kOk);
  EXPECT_EQ(s, "h\xc3\xa9");
  bool b = false;
  EXPECT_EQ(ReadBool((*root)["b"].value_unsafe(), &b), ReadResult::kOk);
  EXPECT_TRUE(b);
  double d = 0;
  EXPECT_EQ(ReadDouble((*root)["d"].value_unsafe(), &d), ReadResult::kOk);
  EXPECT_EQ(d, 2.5);
}

TEST(JsonReaderTest, RejectsMalformed) {
  JsonReader reader;
  for (absl::string_view bad : {"", "{", "{\"a\":}", "[1,]", "nul", "{\"a\" 1}",
                                "\"unterminated", "[1] [2]", "{'a':1}"}) {
    auto r = reader.Parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(JsonReaderTest, RejectsInvalidUtf8) {
  JsonReader reader;
  for (absl::string_view bad :
       {absl::string_view("\"\xff\""), absl::string_view("\"\xc0\xaf\""),  // overlong
        absl::string_view("\"\xed\xa0\x80\""),                              // surrogate
        absl::string_view("\"\xf4\x90\x80\x80\""),                          // > U+10FFFF
        absl::string_view("{\"k\xe2\x82\":1}"),                             // truncated
        absl::string_view("[\"ok\", \"\x80\"]")}) {
    auto r = reader.Parse(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("UTF-8"), absl::string_view::npos)
        << r.status();
  }
  EXPECT_TRUE(reader.Parse("\"\xf0\x9f\x98\x80\"").ok());  // U+1F600 is fine
}

TEST(JsonReaderTest, DepthLimitIsInclusive) {
  JsonReader reader;  // 64
  EXPECT_TRUE(reader.Parse(Nested(64)).ok());
  auto r = reader.Parse(Nested(65));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            absl::StrCat("invalid JSON: nesting deeper than 64 at ",
                         [] {
                           std::string p;
                           for (int i = 0; i < 64; ++i) p += "[0]";
                           return p;
                         }()));
  EXPECT_FALSE(reader.Parse(Nested(100000)).ok());
}

TEST(JsonReaderTest, DepthErrorNamesPath) {
  JsonReader reader(JsonReader::Options{.max_depth = 3});
  EXPECT_TRUE(reader.Parse(R"({"a":{"b":[1]}})").ok());
  auto r = reader.Parse(R"({"x":[],"items":[1,{"s":"[{,"},{"tags":[[1]]}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "invalid JSON: nesting deeper than 3 at items[2].tags");
  JsonReader one(JsonReader::Options{.max_depth = 1});
  EXPECT_TRUE(one.Parse(R"({"a":{},"b":[ ]})").ok());  // empty: not a level
  r = one.Parse(R"({"a":{},"b":{"c":1}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "invalid JSON: nesting deeper than 1 at b");
  EXPECT_TRUE(one.Parse("[1,2]").ok());
}

TEST(JsonReaderTest, ReaderIsReusableAcrossSizes) {
  JsonReader reader;
  std::string big = "[";
  for (int i = 0; i < 10000; ++i) absl::StrAppend(&big, i == 0 ? "" : ",", i);
  big += "]";
  EXPECT_TRUE(reader.Parse("[1]").ok());
  auto r = reader.Parse(big);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->get_array().value_unsafe().size(), 10000u);
  EXPECT_TRUE(reader.Parse("{}").ok());
}

TEST(JsonReaderTest, MaxBytes) {
  JsonReader reader(JsonReader::Options{.max_bytes = 4});
  EXPECT_TRUE(reader.Parse("[12]").ok());
  EXPECT_FALSE(reader.Parse("[123]").ok());
}

TEST(JsonReaderTest, IntegerOverflow) {
  JsonReader reader;
  int64_t n = 0;
  auto r = reader.Parse("[9223372036854775807,-9223372036854775808,9223372036854775808,1.0,\"1\"]");
  ASSERT_TRUE(r.ok()) << r.status();
  auto a = r->get_array().value_unsafe();
  EXPECT_EQ(ReadInt64(a.at(0).value_unsafe(), &n), ReadResult::kOk);
  EXPECT_EQ(n, INT64_MAX);
  EXPECT_EQ(ReadInt64(a.at(1).value_unsafe(), &n), ReadResult::kOk);
  EXPECT_EQ(n, INT64_MIN);
  EXPECT_EQ(ReadInt64(a.at(2).value_unsafe(), &n), ReadResult::kOutOfRange);
  EXPECT_EQ(ReadInt64(a.at(3).value_unsafe(), &n), ReadResult::kWrongType);
  EXPECT_EQ(ReadInt64(a.at(4).value_unsafe(), &n), ReadResult::kWrongType);
  double d = 0;
  EXPECT_EQ(ReadDouble(a.at(2).value_unsafe(), &d), ReadResult::kOk);
  EXPECT_EQ(d, 9223372036854775808.0);
  // Beyond uint64 and beyond double: the whole document is refused.
  for (absl::string_view bad : {"[18446744073709551616]", "[-9223372036854775809]",
                                "[1e400]", "[-1e999]"}) {
    auto bad_r = reader.Parse(bad);
    ASSERT_FALSE(bad_r.ok()) << bad;
    EXPECT_NE(bad_r.status().message().find("out of range"), absl::string_view::npos);
  }
}

TEST(JsonReaderTest, WriterOutputRoundTrips) {
  std::string out;
  JsonWriter w(&out);
  w.StartObject();
  w.Key("s");
  w.String("quote\" back\\ nl\n ctl\x01 \xe2\x82\xac");
  w.Key("i");
  w.Int(INT64_MIN);
  w.Key("d");
  w.Double(0.1);
  w.Key("a");
  w.StartArray();
  w.Bool(false);
  w.Null();
  w.EndArray();
  w.EndObject();
  JsonReader reader;
  auto r = reader.Parse(out);
  ASSERT_TRUE(r.ok()) << r.status() << out;
  absl::string_view s;
  ASSERT_EQ(ReadString((*r)["s"].value_unsafe(), &s), ReadResult::kOk);
  EXPECT_EQ(s, "quote\" back\\ nl\n ctl\x01 \xe2\x82\xac");
  int64_t i = 0;
  ASSERT_EQ(ReadInt64((*r)["i"].value_unsafe(), &i), ReadResult::kOk);
  EXPECT_EQ(i, INT64_MIN);
  double d = 0;
  ASSERT_EQ(ReadDouble((*r)["d"].value_unsafe(), &d), ReadResult::kOk);
  EXPECT_EQ(d, 0.1);
  EXPECT_TRUE((*r)["a"].at(1).value_unsafe().is_null());
}

TEST(FindTooDeepPathTest, HandlesEscapesAndTopLevel) {
  EXPECT_EQ(internal::FindTooDeepPath(R"({"a\"{":[{"b":{"c":1}}]})", 3), "a\\\"{[0].b");
  EXPECT_EQ(internal::FindTooDeepPath("[[]]", 5), "");
  EXPECT_EQ(internal::FindTooDeepPath("[[], [ ], [1]]", 1), "[2]");
}

}  // namespace
}  // namespace hyper::json
