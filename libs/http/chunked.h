// ChunkedDecoder: decodes a `Transfer-Encoding: chunked` body in place
// (RFC 9112 section 7.1): chunk data is moved down over the chunk-size lines
// so the decoded body ends up contiguous at the start of the region, with no
// second buffer. Chunk extensions are parsed and ignored; trailer fields are
// parsed, validated like header fields, and ignored.
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
    ParseError error;  // when kError: 400 malformed, 413 over max_body_bytes
  };

  // `data` is the whole body region received so far (starting right after
  // the head; it may grow between calls, and the bytes the decoder has
  // already rewritten must be passed back unchanged). Decodes what it can.
  Result Decode(char* data, size_t size, const Limits& limits);

  void Reset();

 private:
  // Internal state machine position; implementation-defined.
  int phase_ = 0;
  uint64_t chunk_left_ = 0;
  size_t read_ = 0;      // bytes of input consumed so far
  size_t written_ = 0;   // bytes of decoded output so far
  size_t trailer_bytes_ = 0;
};

}  // namespace hyper::http

#endif  // HYPER_LIBS_HTTP_CHUNKED_H_
