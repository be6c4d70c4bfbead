// ChunkedDecoder: decodes a `Transfer-Encoding: chunked` body in place
// (RFC 9112 section 7.1): chunk data is moved down over the chunk-size lines
// so the decoded body ends up contiguous at the start of the region, with no
// second buffer. Chunk extensions are parsed and ignored; trailer fields are
// parsed, validated like header fields, and ignored.
//
// Strictness: CRLF only (a bare LF or CR is 400); chunk-size is 1*HEXDIG of
// either case, leading zeros allowed, over 64 bits is 400; the chunk-size line
// with its extensions may hold at most kMaxChunkLine bytes (400); whitespace
// is allowed only where RFC 9112's BWS is (around ';' and '=').
// Decoding is O(new bytes) per call: every byte is examined once.
//
// Example:
//   std::string body = "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\nNEXT";
//   ChunkedDecoder decoder;
//   ChunkedDecoder::Result r = decoder.Decode(body.data(), body.size(), limits);
//   // r.state == kDone; body.substr(0, r.decoded) == "Wikipedia";
//   // r.consumed == body.size() - 4 (the "NEXT" bytes belong to the next
//   // pipelined request and are untouched).
#ifndef HYPER_LIBS_HTTP_CHUNKED_H_
#define HYPER_LIBS_HTTP_CHUNKED_H_

#include <cstddef>
#include <cstdint>

#include "libs/http/parser.h"

namespace hyper::http {

class ChunkedDecoder {
 public:
  enum class State : uint8_t { kNeedMore, kDone, kError };

  struct Result {
    State state = State::kNeedMore;
    // Bytes of decoded body now at the start of the region (cumulative over
    // calls for this body).
    size_t decoded = 0;
    // Bytes of the region consumed by the encoding, cumulative; when kDone
    // it is the encoded length, and bytes after it are untouched.
    size_t consumed = 0;
    // When kError: 400 malformed, 413 decoded size over
    // Limits::max_body_bytes (checked as each chunk-size is read, before its
    // data arrives), 431 trailer section over Limits::max_head_bytes or with
    // more than Limits::max_headers fields.
    ParseError error;
  };

  // Longest chunk-size line (size, extensions and CRLF) accepted.
  static constexpr size_t kMaxChunkLine = 4096;

  // `data` is the whole body region received so far (starting right after
  // the head; it may grow between calls, and the bytes the decoder has
  // already rewritten must be passed back unchanged). Decodes what it can.
  // Once kDone or kError, later calls return the same result.
  Result Decode(char* data, size_t size, const Limits& limits);

  // Prepares for the next body.
  void Reset();

 private:
  // Internal state machine position; implementation-defined.
  int phase_ = 0;
  uint64_t chunk_left_ = 0;  // data bytes left in this chunk, or the size
                             // being read
  size_t read_ = 0;      // bytes of input consumed so far
  size_t written_ = 0;   // bytes of decoded output so far
  size_t line_bytes_ = 0;     // bytes of the current chunk-size line
  size_t trailer_bytes_ = 0;  // bytes of the trailer section so far
  size_t trailer_fields_ = 0;
  ParseError error_;          // kept once in kError
};

}  // namespace hyper::http

#endif  // HYPER_LIBS_HTTP_CHUNKED_H_
