#include "libs/json/writer.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hyper::json {
namespace {

// The reference the writer's fast paths are checked against: decode one
// code point at a time, escape what JSON (and script-safe mode) asks for;
// nullopt for invalid UTF-8.
std::optional<std::string> ReferenceQuoted(absl::string_view in, bool script_safe) {
  std::string out = "\"";
  size_t i = 0;
  while (i < in.size()) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    int length = 1;
    uint32_t cp = c;
    if (c >= 0x80) {
      if ((c & 0xE0) == 0xC0) {
        length = 2, cp = c & 0x1F;
      } else if ((c & 0xF0) == 0xE0) {
        length = 3, cp = c & 0x0F;
      } else if ((c & 0xF8) == 0xF0) {
        length = 4, cp = c & 0x07;
      } else {
        return std::nullopt;
      }
      if (i + length > in.size()) return std::nullopt;
      for (int k = 1; k < length; ++k) {
        const unsigned char d = static_cast<unsigned char>(in[i + k]);
        if ((d & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (d & 0x3F);
      }
      static constexpr uint32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < kLeast[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return std::nullopt;
      }
    }
    const bool script = script_safe && (cp == '<' || cp == '>' || cp == '&' ||
                                        cp == 0x2028 || cp == 0x2029);
    // The characters with a two-character escape, and those escapes.
    static constexpr absl::string_view kShort = "\"\\\n\r\t\b\f";
    static constexpr absl::string_view kShortEscape = "\"\\nrtbf";
    const size_t short_escape = cp < 0x80 ? kShort.find(static_cast<char>(cp)) : kShort.npos;
    if (short_escape != kShort.npos) {
      out += '\\';
      out += kShortEscape[short_escape];
    } else if (cp < 0x20 || cp == 0x7F || script) {
      char u[8];
      std::snprintf(u, sizeof(u), "\\u%04x", static_cast<unsigned>(cp));
      out += u;
    } else {
      out.append(in.data() + i, static_cast<size_t>(length));
    }
    i += static_cast<size_t>(length);
  }
  return out + "\"";
}

// What String() should write: the reference, or "" for invalid UTF-8.
std::string Expected(absl::string_view in, bool script_safe) {
  return ReferenceQuoted(in, script_safe).value_or("\"\"");
}

// `value` written every way a string can be: String(), Key(), a Name through
// Key(const Name&) and through Members; each must match the reference.
void ExpectWrittenLikeReference(absl::string_view value, bool script_safe) {
  const std::string want = Expected(value, script_safe);
  const bool valid = ReferenceQuoted(value, script_safe).has_value();
  const JsonWriter::Options options{.script_safe = script_safe};
  std::string out;
  JsonWriter w(&out, options);
  w.String(value);
  EXPECT_EQ(out, want);
  EXPECT_EQ(w.ok(), valid);

  std::string keyed;
  JsonWriter k(&keyed, options);
  k.StartObject();
  k.Key(value);
  k.Null();
  k.Key(JsonWriter::Name(value));
  k.Null();
  k.EndObject();
  EXPECT_EQ(keyed, "{" + want + ":null," + want + ":null}");
  EXPECT_EQ(k.ok(), valid);

  std::string members;
  JsonWriter m(&members, options);
  m.StartArray();
  {
    JsonWriter::Members o(&m);
    char* p = o.start();
    p = o.String(p, JsonWriter::Name("s"), value);
    p = o.String(p, JsonWriter::Name(value), "x");
    o.Finish(p);
  }
  m.EndArray();
  EXPECT_EQ(members, "[{\"s\":" + want + "," + want + ":\"x\"}]");
  EXPECT_EQ(m.ok(), valid);
}

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

// Every byte that is not copied as it is, and sequences around them.
const char* const kSpecials[] = {
    "\"", "\\", "\n", "\r", "\t", "\b", "\f", "\x01", "\x1f", "\x7f", "<", ">", "&",
    "\xC3\xA9",          // é
    "\xE2\x82\xAC",      // €
    "\xF0\x9F\x98\x80",  // 😀
    "\xE2\x80\xA8",      // U+2028
    "\xE2\x80\xA9",      // U+2029
    "\xEF\xBF\xBF",      // U+FFFF
};
const char* const kInvalid[] = {
    "\x80",              // lone continuation
    "\xC0\xAF",          // overlong
    "\xC1\xBF",          // overlong
    "\xE0\x80\xAF",      // overlong
    "\xED\xA0\x80",      // surrogate
    "\xF4\x90\x80\x80",  // above U+10FFFF
    "\xF5\x80\x80\x80",  // bad lead
    "\xFF",              // bad lead
    "\xC3",              // truncated
    "\xE2\x82",          // truncated
    "\xF0\x9F\x98",      // truncated
    "\xC3\x28",          // bad continuation
};

// Each piece put in a run of `filler` of every length up to max_length, at
// every position, written in both modes.
template <size_t kCount>
void ExpectEveryPlacementLikeReference(const char* const (&pieces)[kCount], char filler,
                                       size_t max_length) {
  for (bool script_safe : {false, true}) {
    for (const char* piece : pieces) {
      for (size_t length = 0; length <= max_length; ++length) {
        for (size_t at = 0; at <= length; ++at) {
          std::string value(length, filler);
          value.insert(at, piece);
          SCOPED_TRACE(testing::Message() << "script_safe=" << script_safe << " length="
                                          << length << " at=" << at);
          ExpectWrittenLikeReference(value, script_safe);
        }
      }
    }
  }
}

TEST(JsonWriterEscapingTest, SpecialAtEveryPositionOfEveryLength) {
  ExpectEveryPlacementLikeReference(kSpecials, 'a', 70);
}

TEST(JsonWriterEscapingTest, InvalidUtf8AtEveryPositionIsRefused) {
  for (const char* bad : kInvalid) ASSERT_FALSE(ReferenceQuoted(bad, false).has_value()) << bad;
  ExpectEveryPlacementLikeReference(kInvalid, 'b', 40);
}

// Up to 60 pieces: mostly plain ASCII, so safe runs of every length occur,
// now and then a special character, a UTF-8 piece (valid or not) or any byte.
std::string RandomText(std::mt19937& rng) {
  static const std::vector<std::string> kPlain = {"a", "Z", "0", " ", "~", "abcdefgh",
                                                  "0123456789abcdef"};
  std::vector<std::string> rare(std::begin(kSpecials), std::end(kSpecials));
  rare.insert(rare.end(), std::begin(kInvalid), std::end(kInvalid));
  std::string text;
  for (int i = static_cast<int>(rng() % 61); i > 0; --i) {
    if (rng() % 30 != 0) {
      text += kPlain[rng() % kPlain.size()];
    } else if (rng() % 4 != 0) {
      text += rare[rng() % rare.size()];
    } else {
      text += static_cast<char>(rng());
    }
  }
  return text;
}

TEST(JsonWriterEscapingTest, RandomStringsMatchTheReference) {
  std::mt19937 rng(20240611);
  for (int round = 0; round < 4000; ++round) {
    SCOPED_TRACE(testing::Message() << "round " << round);
    ExpectWrittenLikeReference(RandomText(rng), round % 2 == 1);
  }
}

TEST(JsonWriterEscapingTest, LongStringsAcrossBufferAndStepBoundaries) {
  for (size_t length : {255u, 256u, 460u, 461u, 462u, 511u, 512u, 513u, 4095u, 4096u, 4097u,
                        10000u}) {
    for (size_t at : {size_t{0}, length / 2, length - 1, length}) {
      for (const char* special : {"\n", "\xE2\x82\xAC", "<"}) {
        std::string value(length, 'x');
        value.insert(at, special);
        SCOPED_TRACE(testing::Message() << "length=" << length << " at=" << at);
        ExpectWrittenLikeReference(value, false);
        ExpectWrittenLikeReference(value, true);
      }
      std::string bad(length, 'x');
      bad.insert(at, "\xC0\xAF");
      ExpectWrittenLikeReference(bad, false);
    }
    ExpectWrittenLikeReference(std::string(length, 'y'), false);
    ExpectWrittenLikeReference(std::string(length, '\n'), false);
  }
}

TEST(IsValidUtf8Test, AgreesWithTheReference) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    const std::string text = RandomText(rng);
    EXPECT_EQ(IsValidUtf8(text), ReferenceQuoted(text, false).has_value()) << round;
  }
  for (const char* bad : kInvalid) {
    for (size_t at = 0; at <= 40; ++at) {
      std::string text(40, 'a');
      text.insert(at, bad);
      EXPECT_FALSE(IsValidUtf8(text)) << at;
    }
  }
}

TEST(JsonWriterNumbersTest, IntsMatchToString) {
  std::vector<int64_t> values = {0, std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::max()};
  for (int64_t p = 1; p <= std::numeric_limits<int64_t>::max() / 10; p *= 10) {
    for (int64_t v : {p - 1, p, p + 1, 2 * p, 9 * p + (p - 1)}) {
      values.push_back(v);
      values.push_back(-v);
    }
  }
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    const int64_t v = static_cast<int64_t>(rng());
    values.push_back(v);
    values.push_back(v >> (i % 64));
  }
  for (int64_t v : values) {
    std::string out;
    JsonWriter w(&out);
    w.Int(v);
    ASSERT_EQ(out, std::to_string(v));
    std::string members;
    JsonWriter m(&members);
    JsonWriter::Members o(&m);
    o.Finish(o.Int(o.start(), JsonWriter::Name("n"), v));
    ASSERT_EQ(members, "{\"n\":" + std::to_string(v) + "}");
  }
}

std::string ToChars(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[64];
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof(buffer), v).ptr);
}

void ExpectDoubleLikeToChars(double v) {
  std::string out;
  JsonWriter w(&out);
  w.Double(v);
  ASSERT_EQ(out, ToChars(v)) << "bits " << std::hexfloat << v;
  std::string members;
  JsonWriter m(&members);
  JsonWriter::Members o(&m);
  o.Finish(o.Double(o.start(), JsonWriter::Name("d"), v));
  ASSERT_EQ(members, "{\"d\":" + ToChars(v) + "}");
}

TEST(JsonWriterNumbersTest, DoublesAreExactlyToCharsShortest) {
  const double special[] = {
      0.0, -0.0, 1.0, -1.0, 0.5, 87.5, 12.34, 0.1, 0.2, 0.1 + 0.2, 1.0 / 3, 2.0 / 3,
      100, 1e4, 1e5, 120000, 1e6, 1234567, 1e15, 1e16, 1e21, 1e22, 1e23, 0.001, 0.0001,
      0.00012, 1.5e-5, 1e-7, 1e-22, 1e-23, 123456789012345.0, 0x1p50, 0x1p50 - 1,
      0x1p50 + 2, 0x1p53, 0x1p53 + 2, 0x1p-1074, 0x1p-1022,
      std::numeric_limits<double>::max(), std::numeric_limits<double>::min(),
      std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
      std::numeric_limits<double>::quiet_NaN(), 9007199254740993.0,
      1.2345678901234568e17, 5e-324, 0.3, 2.5e-3, 99999.5, 999999.5, 0.95, 9.5,
      1125899906842623.5, 562949953421311.75,
  };
  for (double v : special) {
    ExpectDoubleLikeToChars(v);
    ExpectDoubleLikeToChars(-v);
  }
  std::mt19937_64 rng(11);
  // Short decimals people write: d digits, a decimal exponent.
  for (int i = 0; i < 60000; ++i) {
    const int digits = 1 + static_cast<int>(rng() % 17);
    const uint64_t mantissa = rng() % static_cast<uint64_t>(std::pow(10.0, digits));
    const int exponent = static_cast<int>(rng() % 50) - 30;
    const std::string text = std::to_string(mantissa) + "e" + std::to_string(exponent);
    ExpectDoubleLikeToChars(std::strtod(text.c_str(), nullptr));
    ExpectDoubleLikeToChars(-std::strtod(text.c_str(), nullptr));
  }
  // Integers with trailing zeros; binary fractions; any bits at all.
  for (int i = 0; i < 20000; ++i) {
    const double integer = static_cast<double>(rng() % 100000) * std::pow(10.0, rng() % 18);
    ExpectDoubleLikeToChars(integer);
    ExpectDoubleLikeToChars(std::ldexp(static_cast<double>(rng() % (uint64_t{1} << 53)),
                                       -static_cast<int>(rng() % 80)));
    ExpectDoubleLikeToChars(std::ldexp(static_cast<double>(rng() % 4096), -static_cast<int>(rng() % 30)));
    uint64_t bits = rng();
    double any;
    std::memcpy(&any, &bits, sizeof(any));
    ExpectDoubleLikeToChars(any);
  }
}

TEST(JsonWriterMembersTest, SameTextAsTheWriterCalls) {
  for (bool script_safe : {false, true}) {
    const JsonWriter::Options options{.script_safe = script_safe};
    const std::string long_name(600, 'k');  // past the Members buffer
    const std::string long_value(700, 'v');
    const JsonWriter::Name a("a"), b("b<>"), c("c\n"), d(long_name), e("e");

    std::string want;
    JsonWriter g(&want, options);
    std::string got;
    JsonWriter w(&got, options);
    g.StartArray();
    w.StartArray();
    for (int round = 0; round < 3; ++round) {
      g.StartObject();
      g.Key("a"), g.Int(-round);
      g.Key("b<>"), g.Double(round + 0.25);
      g.Key("c\n"), g.Bool(round == 1);
      g.Key(long_name), g.String(long_value);
      g.Key("e"), g.StartArray(), g.Int(1), g.StartObject(), g.EndObject(), g.EndArray();
      g.Key("a"), g.String("</script>");
      g.EndObject();

      JsonWriter::Members m(&w);
      char* p = m.start();
      p = m.Int(p, a, -round);
      p = m.Double(p, b, round + 0.25);
      p = m.Bool(p, c, round == 1);
      p = m.String(p, d, long_value);
      JsonWriter* inner = m.Pause(p);
      inner->Key(e), inner->StartArray(), inner->Int(1), inner->StartObject();
      inner->EndObject(), inner->EndArray();
      p = m.Resume();
      p = m.String(p, a, "</script>");
      m.Finish(p);
    }
    g.Int(7);
    w.Int(7);
    g.EndArray();
    w.EndArray();
    EXPECT_EQ(got, want);
    EXPECT_TRUE(w.ok());
  }
}

TEST(JsonWriterMembersTest, ManyMembersFillTheBufferMoreThanOnce) {
  std::vector<JsonWriter::Name> names;
  for (int i = 0; i < 200; ++i) names.emplace_back("member_" + std::to_string(i));
  std::string want;
  JsonWriter g(&want);
  g.StartObject();
  std::string got;
  JsonWriter w(&got);
  JsonWriter::Members m(&w);
  char* p = m.start();
  for (int i = 0; i < 200; ++i) {
    g.Key("member_" + std::to_string(i));
    const std::string value(static_cast<size_t>(i), 'q');
    if (i % 3 == 0) {
      g.String(value);
      p = m.String(p, names[i], value);
    } else if (i % 3 == 1) {
      g.Double(i * 1e-3);
      p = m.Double(p, names[i], i * 1e-3);
    } else {
      g.Int(int64_t{1} << (i % 63));
      p = m.Int(p, names[i], int64_t{1} << (i % 63));
    }
  }
  m.Finish(p);
  g.EndObject();
  EXPECT_EQ(got, want);
}

TEST(JsonWriterMembersTest, EmptyObjectAndBadName) {
  std::string out;
  JsonWriter w(&out);
  w.StartObject();
  w.Key("x");
  {
    JsonWriter::Members m(&w);
    m.Finish(m.start());
  }
  w.Key(JsonWriter::Name("bad \xC0\xAF"));
  EXPECT_FALSE(w.ok());
  w.Int(1);
  w.EndObject();
  EXPECT_EQ(out, R"({"x":{},"":1})");
}

TEST(JsonWriterTest, DeepNestingKeepsCommas) {
  std::string want = "[";
  std::string out;
  JsonWriter w(&out);
  w.StartArray();
  for (int i = 0; i < 100; ++i) {
    w.Int(i);
    w.StartArray();
    want += std::to_string(i) + ",[";
  }
  for (int i = 0; i < 100; ++i) {
    w.Int(i);
    w.EndArray();
    want += (i == 0 ? "" : ",") + std::to_string(i) + "]";
  }
  w.Int(-1);
  w.EndArray();
  EXPECT_EQ(out, want + ",-1]");
}

}  // namespace
}  // namespace hyper::json
