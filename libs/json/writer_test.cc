#include "libs/json/writer.h"

#include <string>

#include "gtest/gtest.h"

namespace hyper::json {
namespace {

TEST(JsonWriterTest, DocumentedExample) {
  std::string out;
  JsonWriter w(&out);
  w.StartObject();
  w.Key("message");
  w.String("Hello, World!");
  w.Key("n");
  w.Int(-3);
  w.EndObject();
  EXPECT_EQ(out, R"({"message":"Hello, World!","n":-3})");
  EXPECT_TRUE(w.ok());
}

TEST(JsonWriterTest, NestedContainersGetCommasRight) {
  std::string out;
  JsonWriter w(&out);
  w.StartArray();
  w.Int(1);
  w.StartObject();
  w.Key("a");
  w.StartArray();
  w.EndArray();
  w.Key("b");
  w.Null();
  w.EndObject();
  w.Bool(false);
  w.EndArray();
  EXPECT_EQ(out, R"([1,{"a":[],"b":null},false])");
}

TEST(JsonWriterTest, EscapesQuotesBackslashAndControlCharacters) {
  std::string out;
  JsonWriter w(&out);
  w.String(std::string("a\"b\\c\n\t\x01\x7f", 9));
  EXPECT_EQ(out, R"("a\"b\\c\n\t\u0001\u007f")");
}

TEST(JsonWriterTest, ScriptSafeModeDefusesClosingScriptTags) {
  std::string out;
  JsonWriter w(&out, {.script_safe = true});
  w.String("</script><b>&\xE2\x80\xA8");
  EXPECT_EQ(out, R"("\u003c/script\u003e\u003cb\u003e\u0026\u2028")");
  std::string plain;
  JsonWriter p(&plain);
  p.String("</script>");
  EXPECT_EQ(plain, R"("</script>")");
}

TEST(JsonWriterTest, InvalidUtf8IsRefusedNotPassedOn) {
  std::string out;
  JsonWriter w(&out);
  w.String("bad \xC0\xAF");
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(out, R"("")");
}

TEST(JsonWriterTest, DoublesAreShortestRoundTripAndRawIsEmbedded) {
  std::string out;
  JsonWriter w(&out);
  w.StartArray();
  w.Double(0.1);
  w.Double(1e21);
  w.Double(-2.5);
  w.Double(1.0 / 0.0);
  w.Raw(R"({"a":[1]})");
  w.EndArray();
  EXPECT_EQ(out, R"([0.1,1e+21,-2.5,null,{"a":[1]}])");
}

TEST(IsValidUtf8Test, AcceptsAndRejects) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
}

}  // namespace
}  // namespace hyper::json
