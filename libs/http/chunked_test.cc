#include "libs/http/chunked.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/http/parser.h"

namespace hyper::http {
namespace {

using State = ChunkedDecoder::State;

struct Decoded {
  State state = State::kNeedMore;
  int status = 0;
  std::string body;      // the decoded bytes
  size_t consumed = 0;
  std::string buffer;    // the whole region after decoding
};

// Decodes `encoded` in one call.
Decoded DecodeAll(std::string encoded, const Limits& limits = Limits()) {
  ChunkedDecoder decoder;
  const ChunkedDecoder::Result r =
      decoder.Decode(encoded.data(), encoded.size(), limits);
  return {r.state, r.error.status, encoded.substr(0, r.decoded), r.consumed,
          encoded};
}

// Decodes `encoded` as if it arrived in pieces ending at `cuts` (ascending),
// the region growing between calls, stopping once done or failed.
Decoded DecodeInPieces(const std::string& encoded,
                       const std::vector<size_t>& cuts,
                       const Limits& limits = Limits()) {
  ChunkedDecoder decoder;
  std::string region;
  ChunkedDecoder::Result r;
  size_t from = 0;
  for (size_t cut : cuts) {
    region.append(encoded, from, cut - from);
    from = cut;
    r = decoder.Decode(region.data(), region.size(), limits);
    if (r.state != State::kNeedMore) break;
  }
  region.append(encoded, from, std::string::npos);
  return {r.state, r.error.status, region.substr(0, r.decoded), r.consumed,
          region};
}

Decoded DecodeByteAtATime(const std::string& encoded,
                          const Limits& limits = Limits()) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i <= encoded.size(); ++i) cuts.push_back(i);
  return DecodeInPieces(encoded, cuts, limits);
}

void ExpectSame(const Decoded& a, const Decoded& b, const std::string& what) {
  EXPECT_EQ(a.state, b.state) << what;
  EXPECT_EQ(a.status, b.status) << what;
  EXPECT_EQ(a.body, b.body) << what;
  EXPECT_EQ(a.consumed, b.consumed) << what;
  EXPECT_EQ(a.buffer, b.buffer) << what;
}

TEST(ChunkedDecoderTest, HeaderExample) {
  std::string body = "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\nNEXT";
  ChunkedDecoder decoder;
  const ChunkedDecoder::Result r =
      decoder.Decode(body.data(), body.size(), Limits());
  ASSERT_EQ(r.state, State::kDone);
  EXPECT_EQ(body.substr(0, r.decoded), "Wikipedia");
  EXPECT_EQ(r.consumed, body.size() - 4);
  EXPECT_EQ(body.substr(r.consumed), "NEXT");
  // Done is sticky.
  const ChunkedDecoder::Result again =
      decoder.Decode(body.data(), body.size(), Limits());
  EXPECT_EQ(again.state, State::kDone);
  EXPECT_EQ(again.consumed, r.consumed);
}

TEST(ChunkedDecoderTest, EmptyBody) {
  const Decoded d = DecodeAll("0\r\n\r\n");
  EXPECT_EQ(d.state, State::kDone);
  EXPECT_EQ(d.body, "");
  EXPECT_EQ(d.consumed, 5u);
}

TEST(ChunkedDecoderTest, HexDigitsInEitherCaseAndLeadingZeros) {
  const std::string sixteen = "0123456789abcdef";
  EXPECT_EQ(DecodeAll("A\r\n0123456789\r\n0\r\n\r\n").body, "0123456789");
  EXPECT_EQ(DecodeAll("a\r\n0123456789\r\n0\r\n\r\n").body, "0123456789");
  EXPECT_EQ(DecodeAll("1F\r\n" + sixteen + "0123456789abcde\r\n0\r\n\r\n").body,
            sixteen + "0123456789abcde");
  EXPECT_EQ(DecodeAll("0005\r\nhello\r\n000\r\n\r\n").body, "hello");
  EXPECT_EQ(DecodeAll("00000000000000000000005\r\nhello\r\n0\r\n\r\n").state,
            State::kDone);
}

TEST(ChunkedDecoderTest, Extensions) {
  for (const char* ext :
       {";a", ";a=b", ";a=b;c;d=e", " ;a", "\t; a = b ;c", ";a=\"quoted\"",
        ";a=\"with \\\"escapes\\\" and ; , =\"", ";a=\"\xc3\xa9\""}) {
    const Decoded d =
        DecodeAll(absl::StrCat("3", ext, "\r\nabc\r\n0", ext, "\r\n\r\n"));
    EXPECT_EQ(d.state, State::kDone) << ext;
    EXPECT_EQ(d.body, "abc") << ext;
  }
  for (const char* ext : {";", ";=b", ";a=", ";a b", "x", " ", ";a ", ";a=b ",
                          ";a=\"open", ";a=\"x\"y", ";a=b=c", ";(a)",
                          ";a=\"\x01\"", ";a=\"\\\x7f\""}) {
    const Decoded d = DecodeAll(absl::StrCat("3", ext, "\r\nabc\r\n0\r\n\r\n"));
    EXPECT_EQ(d.state, State::kError) << ext;
    EXPECT_EQ(d.status, 400) << ext;
  }
}

TEST(ChunkedDecoderTest, Trailers) {
  const Decoded d = DecodeAll(
      "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nExpires:\r\nY: a b\t\r\n\r\nNEXT");
  EXPECT_EQ(d.state, State::kDone);
  EXPECT_EQ(d.body, "hello");
  EXPECT_EQ(d.buffer.substr(d.consumed), "NEXT");

  for (const char* bad : {"X: a\r\n b\r\n\r\n",   // obs-fold
                          " X: a\r\n\r\n",         // leading whitespace
                          "X : a\r\n\r\n",         // whitespace before colon
                          "X: a\n\r\n",            // bare LF
                          "X: a\rb\r\n\r\n",       // bare CR
                          "X: a\x01\r\n\r\n",      // control byte
                          "X\x7f: a\r\n\r\n",      // not a token
                          ": a\r\n\r\n",           // empty name
                          "X\r\n\r\n",             // no colon
                          "\r\r\n"}) {             // bad final CRLF
    const Decoded r = DecodeAll(absl::StrCat("0\r\n", bad));
    EXPECT_EQ(r.state, State::kError) << bad;
    EXPECT_EQ(r.status, 400) << bad;
  }
}

TEST(ChunkedDecoderTest, TrailerLimits) {
  Limits limits;
  limits.max_head_bytes = 64;
  const std::string fits = "0\r\nX: " + std::string(64 - 7, 'v') + "\r\n\r\n";
  EXPECT_EQ(DecodeAll(fits, limits).state, State::kDone);
  const std::string big = "0\r\nX: " + std::string(64 - 6, 'v') + "\r\n\r\n";
  EXPECT_EQ(DecodeAll(big, limits).status, 431);

  limits = Limits();
  limits.max_headers = 2;
  EXPECT_EQ(DecodeAll("0\r\nA: 1\r\nB: 2\r\n\r\n", limits).state, State::kDone);
  EXPECT_EQ(DecodeAll("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits).status, 431);
}

TEST(ChunkedDecoderTest, MalformedSizes) {
  for (const char* bad :
       {"\r\n", "G\r\n", "-5\r\n", "+5\r\n", "0x5\r\n", " 5\r\n", "5 \r\n",
        "5\n", "5\rX", "FFFFFFFFFFFFFFFFF\r\n", "10000000000000000\r\n",
        "123456789abcdef0123\r\n"}) {
    const Decoded d = DecodeAll(absl::StrCat(bad, "hello\r\n0\r\n\r\n"));
    EXPECT_EQ(d.state, State::kError) << bad;
    EXPECT_EQ(d.status, 400) << bad;
  }
}

TEST(ChunkedDecoderTest, HugeSizeThatFitsIn64BitsIs413) {
  EXPECT_EQ(DecodeAll("FFFFFFFFFFFFFFFF\r\n").status, 413);
}

TEST(ChunkedDecoderTest, ChunkLineLimit) {
  const std::string zeros(ChunkedDecoder::kMaxChunkLine - 3, '0');
  EXPECT_EQ(DecodeAll(zeros + "5\r\nhello\r\n0\r\n\r\n").state, State::kDone);
  EXPECT_EQ(DecodeAll(zeros + "05\r\nhello\r\n0\r\n\r\n").status, 400);
}

TEST(ChunkedDecoderTest, MissingCrlfAfterData) {
  for (const char* bad : {"5\r\nhelloX\r\n0\r\n\r\n", "5\r\nhello\n0\r\n\r\n",
                          "5\r\nhello\rX0\r\n\r\n", "5\r\nhello0\r\n\r\n",
                          "5\r\nhell\r\n0\r\n\r\n"}) {
    const Decoded d = DecodeAll(bad);
    EXPECT_EQ(d.state, State::kError) << bad;
    EXPECT_EQ(d.status, 400) << bad;
  }
}

TEST(ChunkedDecoderTest, DecodedSizeLimit) {
  Limits limits;
  limits.max_body_bytes = 10;
  const Decoded fits = DecodeAll("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", limits);
  EXPECT_EQ(fits.state, State::kDone);
  EXPECT_EQ(fits.body, "helloworld");
  const Decoded over =
      DecodeAll("5\r\nhello\r\n5\r\nworld\r\n1\r\n!\r\n0\r\n\r\n", limits);
  EXPECT_EQ(over.state, State::kError);
  EXPECT_EQ(over.status, 413);
  // Refused when the size line arrives, before any of its data.
  const Decoded early = DecodeAll("5\r\nhello\r\n6\r\n", limits);
  EXPECT_EQ(early.status, 413);
  EXPECT_EQ(early.body, "hello");
}

TEST(ChunkedDecoderTest, BytesAfterTheLastChunkAreUntouched) {
  const std::string next = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n5\r\nXXXXX";
  const std::string encoded = "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: v\r\n\r\n";
  const Decoded d = DecodeAll(encoded + next);
  ASSERT_EQ(d.state, State::kDone);
  EXPECT_EQ(d.body, "abcde");
  EXPECT_EQ(d.consumed, encoded.size());
  EXPECT_EQ(d.buffer.substr(d.consumed), next);
}

TEST(ChunkedDecoderTest, NeedMoreKeepsProgress) {
  ChunkedDecoder decoder;
  Limits limits;
  std::string region = "5\r\nhel";
  ChunkedDecoder::Result r = decoder.Decode(region.data(), region.size(), limits);
  EXPECT_EQ(r.state, State::kNeedMore);
  EXPECT_EQ(r.decoded, 3u);
  EXPECT_EQ(region.substr(0, 3), "hel");
  region += "lo\r\n0\r\n\r\n";
  r = decoder.Decode(region.data(), region.size(), limits);
  EXPECT_EQ(r.state, State::kDone);
  EXPECT_EQ(region.substr(0, r.decoded), "hello");
  EXPECT_EQ(r.consumed, region.size());

  decoder.Reset();
  std::string second = "2\r\nok\r\n0\r\n\r\n";
  r = decoder.Decode(second.data(), second.size(), limits);
  EXPECT_EQ(r.state, State::kDone);
  EXPECT_EQ(second.substr(0, r.decoded), "ok");
}

TEST(ChunkedDecoderTest, ShrunkRegionIsAnError) {
  ChunkedDecoder decoder;
  std::string region = "5\r\nhello";
  decoder.Decode(region.data(), region.size(), Limits());
  const ChunkedDecoder::Result r = decoder.Decode(region.data(), 2, Limits());
  EXPECT_EQ(r.state, State::kError);
  EXPECT_EQ(r.error.status, 400);
}

TEST(ChunkedDecoderTest, ByteAtATimeMatchesAllAtOnce) {
  Limits limits;
  limits.max_body_bytes = 20;
  limits.max_head_bytes = 30;
  const std::string cases[] = {
      "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\nNEXT",
      "1;a=\"b;c\"\r\nx\r\n0\r\nTrailer: yes\r\n\r\n",
      "000A\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\nrest",
      "A\r\n0123456789\r\nB\r\n0123456789X\r\n",      // 413
      "5\r\nhelloX",                                    // 400
      "0\r\nX: " + std::string(40, 'v') + "\r\n\r\n",   // 431
      "5\r\nhel",                                       // need more
  };
  for (const std::string& encoded : cases) {
    ExpectSame(DecodeByteAtATime(encoded, limits), DecodeAll(encoded, limits),
               encoded);
  }
}

TEST(ChunkedDecoderTest, RandomSplitsMatchAllAtOnce) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 500; ++iter) {
    std::string encoded;
    const int chunks = static_cast<int>(rng() % 6);
    for (int c = 0; c < chunks; ++c) {
      const size_t n = 1 + rng() % 300;
      std::string data(n, static_cast<char>('a' + rng() % 26));
      absl::StrAppend(&encoded, absl::Hex(n), (rng() % 2 ? ";e=1" : ""), "\r\n",
                      data, "\r\n");
    }
    encoded += rng() % 2 ? "0\r\n\r\n" : "0\r\nT: x\r\n\r\nNEXT";
    std::vector<size_t> cuts;
    for (size_t at = 0; at < encoded.size();) {
      at = std::min(encoded.size(), at + 1 + rng() % 40);
      cuts.push_back(at);
    }
    const Decoded whole = DecodeAll(encoded);
    EXPECT_EQ(whole.state, State::kDone);
    ExpectSame(DecodeInPieces(encoded, cuts), whole, encoded);
  }
}

}  // namespace
}  // namespace hyper::http
