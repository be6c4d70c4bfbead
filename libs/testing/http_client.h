// RawHttpClient: a deliberately dumb HTTP/1.1 client over a real TCP socket,
// for conformance tests. It sends exactly the bytes it is given (malformed
// ones included) and reads responses framed by Content-Length, chunked
// coding, or the connection closing.
//
// Example:
//   auto client = RawHttpClient::Connect(port);
//   (*client)->Send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
//   absl::StatusOr<HttpResponse> r = (*client)->ReadResponse();
//   // r->status == 200; r->body == "Hello, World!"; r->Header("server") == "hyper"
#ifndef HYPER_LIBS_TESTING_HTTP_CLIENT_H_
#define HYPER_LIBS_TESTING_HTTP_CLIENT_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hyper::testing {

struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;     // decoded (chunked framing removed)
  bool chunked = false;

  // The first header of that name (case-insensitive), or "" if absent.
  std::string Header(absl::string_view name) const;
  bool HasHeader(absl::string_view name) const;
};

class RawHttpClient {
 public:
  static absl::StatusOr<std::unique_ptr<RawHttpClient>> Connect(
      int port, absl::Duration timeout = absl::Seconds(10));
  ~RawHttpClient();

  // Writes all of `bytes`; false if the peer has closed.
  bool Send(absl::string_view bytes);
  // Writes `bytes` one byte per write() call.
  bool SendByteByByte(absl::string_view bytes);
  // Shuts down the sending side (the server then sees EOF).
  void CloseWrite();

  // Reads one response. `head_request`: the response has no body whatever
  // its Content-Length says. DeadlineExceeded after the timeout; NotFound
  // when the connection closed before a whole response.
  absl::StatusOr<HttpResponse> ReadResponse(bool head_request = false);

  // True when the server closed the connection (EOF) within `wait`.
  bool WaitForClose(absl::Duration wait = absl::Seconds(10));

  // Bytes received but not yet consumed as responses.
  const std::string& pending() const { return buffer_; }

 private:
  RawHttpClient(int fd, absl::Duration timeout) : fd_(fd), timeout_(timeout) {}
  // Reads more into buffer_. False on EOF or timeout.
  bool Fill(absl::Time deadline);

  int fd_;
  absl::Duration timeout_;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace hyper::testing

#endif  // HYPER_LIBS_TESTING_HTTP_CLIENT_H_
