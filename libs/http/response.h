// ResponseWriter: serializes one HTTP/1.1 response straight into a byte
// buffer (the connection's output, or a private buffer for a response built
// on another thread), with no intermediate copies.
//
// It adds what every response needs: the status line, `Server`, a cached
// `Date`, `Connection: close` when the connection will close, and
// `Content-Length` (or chunked framing). It writes no body for HEAD requests,
// 1xx, 204 and 304 (HEAD keeps the Content-Length the GET would have).
// Header names and values containing CR, LF or NUL are refused (dropped and
// reported by AddHeader's return value) so handlers cannot split responses.
//
// Example:
//   std::string out;
//   ResponseWriter w(&out, {.keep_alive = true});
//   w.Start(200);
//   w.AddHeader("Content-Type", "text/plain");
//   w.Finish("Hello, World!");
//   // out == "HTTP/1.1 200 OK\r\nServer: hyper\r\nDate: Tue, 24 Nov 2026 "
//   //        "08:00:00 GMT\r\nContent-Type: text/plain\r\n"
//   //        "Content-Length: 13\r\n\r\nHello, World!"
//   // (with keep_alive = false, "Connection: close" precedes the blank line)
#ifndef HYPER_LIBS_HTTP_RESPONSE_H_
#define HYPER_LIBS_HTTP_RESPONSE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hyper::http {

// The reason phrase for a status code ("OK", "Not Found"); "Unknown" for
// codes we do not name.
absl::string_view StatusReason(int status);

// RFC 9110 IMF-fixdate, e.g. "Tue, 24 Nov 2026 08:00:00 GMT".
std::string FormatHttpDate(absl::Time time);

// "Date: <IMF-fixdate>\r\n" for the current second, cached per thread and
// refreshed when the second changes (a clock read, no formatting, per call).
absl::string_view CurrentDateLine();

class ResponseWriter {
 public:
  struct Options {
    bool keep_alive = true;    // false adds `Connection: close`
    bool head_request = false; // HEAD: headers only
    int version_minor = 1;     // 0: HTTP/1.0 peer, no chunked encoding
  };

  // Appends to *out, which must outlive the writer.
  ResponseWriter(std::string* out, Options options);

  // Writes the status line and the standard headers. Call once, first.
  void Start(int status);
  // Adds one header. Returns false (and writes nothing) when the name is not
  // a token or the name or value holds CR, LF or NUL.
  bool AddHeader(absl::string_view name, absl::string_view value);
  // Ends the head with Content-Length: body.size() and appends the body
  // (unless the response has no body). The response is complete.
  void Finish(absl::string_view body);

  // Streaming: ends the head with `Transfer-Encoding: chunked` (HTTP/1.1),
  // or, for an HTTP/1.0 peer, with `Connection: close` and a body delimited
  // by closing the connection. Then WriteChunk() any number of times and
  // FinishStream() once.
  void StartStream();
  void WriteChunk(absl::string_view data);
  void FinishStream();

  int status() const { return status_; }
  bool started() const { return status_ != 0; }
  bool finished() const { return finished_; }
  // True when the connection must close after this response (the request
  // asked for it, or a streamed body is close-delimited).
  bool closes_connection() const { return !options_.keep_alive; }
  // Bytes of body written (before chunk framing), for logs and metrics.
  uint64_t body_bytes() const { return body_bytes_; }

 private:
  bool HasBody() const;
  // Writes the Connection header (if any) and the blank line.
  void EndHead();

  std::string* out_;
  Options options_;
  int status_ = 0;
  bool finished_ = false;
  bool chunked_ = false;
  uint64_t body_bytes_ = 0;
};

}  // namespace hyper::http

#endif  // HYPER_LIBS_HTTP_RESPONSE_H_
