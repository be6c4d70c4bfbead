#include "libs/http/chunked.h"

#include <algorithm>
#include <cstring>

namespace hyper::http {
namespace {

using internal::IsFieldValueChar;
using internal::IsTokenChar;

// phase_ values, in stream order. Every phase up to kSizeLf belongs to the
// chunk-size line; kTrailerStart and later to the trailer section.
enum Phase : int {
  kSizeStart = 0,   // first hex digit of chunk-size
  kSize,            // more hex digits
  kExtStart,        // after size or extension: BWS ';', or CR
  kExtBws,          // after whitespace: more, or ';'
  kExtNameStart,    // after ';': BWS, then chunk-ext-name
  kExtName,         // in chunk-ext-name
  kExtAfterName,    // '=', ';', CR, or BWS
  kExtAfterNameBws, // after whitespace: more, '=' or ';'
  kExtValueStart,   // after '=': BWS, then token or quoted-string
  kExtValueToken,   // in a token value
  kExtQuoted,       // in a quoted-string value
  kExtQuotedPair,   // after '\' in a quoted-string
  kSizeLf,          // LF ending the chunk-size line
  kData,            // chunk data (copied in bulk)
  kDataCr,          // CR after chunk data
  kDataLf,          // LF after chunk data
  kTrailerStart,    // a trailer field, or CR of the final CRLF
  kTrailerName,     // in a field name
  kTrailerValue,    // in a field value
  kTrailerLf,       // LF ending a trailer field line
  kFinalLf,         // LF ending the body
  kDone,
  kError,
};

int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsOws(unsigned char c) { return c == ' ' || c == '\t'; }

// RFC 9110 section 5.6.4: qdtext.
bool IsQdtext(unsigned char c) {
  return IsFieldValueChar(c) && c != '"' && c != '\\';
}

}  // namespace

ChunkedDecoder::Result ChunkedDecoder::Decode(char* data, size_t size,
                                              const Limits& limits) {
  auto result = [this] {
    Result r;
    r.state = phase_ == kDone    ? State::kDone
              : phase_ == kError ? State::kError
                                 : State::kNeedMore;
    r.decoded = written_;
    r.consumed = read_;
    r.error = error_;
    return r;
  };
  auto fail = [&](int status, const char* reason) {
    phase_ = kError;
    error_ = ParseError{status, reason};
    return result();
  };

  if (phase_ == kDone || phase_ == kError) return result();
  if (size < read_) return fail(400, "chunked body buffer shrank");

  while (read_ < size && phase_ != kDone) {
    if (phase_ == kData) {
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>(chunk_left_, size - read_));
      if (written_ != read_) std::memmove(data + written_, data + read_, n);
      written_ += n;
      read_ += n;
      chunk_left_ -= n;
      if (chunk_left_ == 0) phase_ = kDataCr;
      continue;
    }

    const auto c = static_cast<unsigned char>(data[read_]);
    const int phase = phase_;
    bool consumed = true;
    switch (phase) {
      case kSizeStart:
        if (HexValue(c) < 0) return fail(400, "invalid chunk size");
        chunk_left_ = static_cast<uint64_t>(HexValue(c));
        phase_ = kSize;
        break;
      case kSize:
        if (HexValue(c) >= 0) {
          if (chunk_left_ >> 60 != 0) return fail(400, "chunk size overflow");
          chunk_left_ = chunk_left_ << 4 | static_cast<uint64_t>(HexValue(c));
          break;
        }
        // written_ <= max_body_bytes holds, so this cannot wrap.
        if (chunk_left_ > limits.max_body_bytes - written_) {
          return fail(413, "chunked body too large");
        }
        phase_ = kExtStart;
        consumed = false;
        break;
      case kExtStart:
        if (c == '\r') {
          phase_ = kSizeLf;
        } else if (c == ';') {
          phase_ = kExtNameStart;
        } else if (IsOws(c)) {
          phase_ = kExtBws;
        } else {
          return fail(400, "invalid chunk extension");
        }
        break;
      case kExtBws:
        if (c == ';') {
          phase_ = kExtNameStart;
        } else if (!IsOws(c)) {
          return fail(400, "invalid chunk extension");
        }
        break;
      case kExtNameStart:
        if (IsTokenChar(c)) {
          phase_ = kExtName;
        } else if (!IsOws(c)) {
          return fail(400, "invalid chunk extension");
        }
        break;
      case kExtName:
        if (!IsTokenChar(c)) {
          phase_ = kExtAfterName;
          consumed = false;
        }
        break;
      case kExtAfterName:
      case kExtAfterNameBws:
        if (c == '=') {
          phase_ = kExtValueStart;
        } else if (c == ';') {
          phase_ = kExtNameStart;
        } else if (c == '\r' && phase == kExtAfterName) {
          phase_ = kSizeLf;
        } else if (IsOws(c)) {
          phase_ = kExtAfterNameBws;
        } else {
          return fail(400, "invalid chunk extension");
        }
        break;
      case kExtValueStart:
        if (c == '"') {
          phase_ = kExtQuoted;
        } else if (IsTokenChar(c)) {
          phase_ = kExtValueToken;
        } else if (!IsOws(c)) {
          return fail(400, "invalid chunk extension");
        }
        break;
      case kExtValueToken:
        if (!IsTokenChar(c)) {
          phase_ = kExtStart;
          consumed = false;
        }
        break;
      case kExtQuoted:
        if (c == '"') {
          phase_ = kExtStart;
        } else if (c == '\\') {
          phase_ = kExtQuotedPair;
        } else if (!IsQdtext(c)) {
          return fail(400, "invalid chunk extension");
        }
        break;
      case kExtQuotedPair:
        if (!IsFieldValueChar(c)) return fail(400, "invalid chunk extension");
        phase_ = kExtQuoted;
        break;
      case kSizeLf:
        if (c != '\n') return fail(400, "bare CR in chunk-size line");
        phase_ = chunk_left_ == 0 ? kTrailerStart : kData;
        break;
      case kDataCr:
        if (c != '\r') return fail(400, "missing CRLF after chunk data");
        phase_ = kDataLf;
        break;
      case kDataLf:
        if (c != '\n') return fail(400, "missing CRLF after chunk data");
        phase_ = kSizeStart;
        line_bytes_ = 0;
        break;
      case kTrailerStart:
        if (c == '\r') {
          phase_ = kFinalLf;
        } else if (IsTokenChar(c)) {
          if (++trailer_fields_ > limits.max_headers) {
            return fail(431, "too many trailer fields");
          }
          phase_ = kTrailerName;
        } else if (IsOws(c)) {
          return fail(400, "obs-fold in trailer section");
        } else {
          return fail(400, "invalid trailer field");
        }
        break;
      case kTrailerName:
        if (c == ':') {
          phase_ = kTrailerValue;
        } else if (IsOws(c)) {
          return fail(400, "whitespace between field name and colon");
        } else if (!IsTokenChar(c)) {
          return fail(400, "invalid trailer field name");
        }
        break;
      case kTrailerValue:
        if (c == '\r') {
          phase_ = kTrailerLf;
        } else if (!IsFieldValueChar(c)) {
          return fail(400, "control byte in trailer field");
        }
        break;
      case kTrailerLf:
        if (c != '\n') return fail(400, "bare CR in trailer field");
        phase_ = kTrailerStart;
        break;
      case kFinalLf:
        if (c != '\n') return fail(400, "bare CR after trailer section");
        phase_ = kDone;
        break;
      default:
        return fail(400, "chunked decoder in a bad state");
    }
    if (!consumed) continue;
    ++read_;
    if (phase <= kSizeLf) {
      if (++line_bytes_ > kMaxChunkLine) {
        return fail(400, "chunk-size line too long");
      }
    } else if (phase >= kTrailerStart) {
      if (++trailer_bytes_ > limits.max_head_bytes) {
        return fail(431, "trailer section too large");
      }
    }
  }
  return result();
}

void ChunkedDecoder::Reset() { *this = ChunkedDecoder(); }

}  // namespace hyper::http
