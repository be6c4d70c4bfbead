#include "libs/testing/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hyper::testing {

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (absl::EqualsIgnoreCase(n, name)) return v;
  }
  return "";
}

bool HttpResponse::HasHeader(absl::string_view name) const {
  for (const auto& header : headers) {
    if (absl::EqualsIgnoreCase(header.first, name)) return true;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<RawHttpClient>> RawHttpClient::Connect(
    int port, absl::Duration timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("connect to port ", port, " failed"));
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::unique_ptr<RawHttpClient>(new RawHttpClient(fd, timeout));
}

RawHttpClient::~RawHttpClient() { close(fd_); }

bool RawHttpClient::Send(absl::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawHttpClient::SendByteByByte(absl::string_view bytes) {
  for (char c : bytes) {
    if (!Send(absl::string_view(&c, 1))) return false;
  }
  return true;
}

void RawHttpClient::CloseWrite() { shutdown(fd_, SHUT_WR); }

bool RawHttpClient::Fill(absl::Time deadline) {
  if (eof_) return false;
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return false;
  pollfd pfd{fd_, POLLIN, 0};
  int ready = poll(&pfd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
  if (ready <= 0) return false;
  char chunk[65536];
  ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) {
    eof_ = true;  // orderly close or reset: either way no more bytes
    return false;
  }
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

bool RawHttpClient::WaitForClose(absl::Duration wait) {
  absl::Time deadline = absl::Now() + wait;
  while (!eof_ && absl::Now() < deadline) Fill(deadline);
  return eof_;
}

absl::StatusOr<HttpResponse> RawHttpClient::ReadResponse(bool head_request) {
  absl::Time deadline = absl::Now() + timeout_;
  auto need_more = [&](absl::string_view what) -> absl::Status {
    if (Fill(deadline)) return absl::OkStatus();
    if (eof_) {
      return absl::NotFoundError(absl::StrCat("connection closed while reading ",
                                              what, "; got: ", buffer_));
    }
    return absl::DeadlineExceededError(
        absl::StrCat("timed out reading ", what, "; got: ", buffer_));
  };
  size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    absl::Status status = need_more("the head");
    if (!status.ok()) return status;
  }
  HttpResponse response;
  std::vector<absl::string_view> lines =
      absl::StrSplit(absl::string_view(buffer_).substr(0, head_end), "\r\n");
  std::vector<absl::string_view> status_line = absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (status_line.size() < 2 || !absl::SimpleAtoi(status_line[1], &response.status)) {
    return absl::InternalError(absl::StrCat("bad status line: ", lines[0]));
  }
  response.version = std::string(status_line[0]);
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) {
      return absl::InternalError(absl::StrCat("bad header line: ", lines[i]));
    }
    response.headers.emplace_back(
        std::string(lines[i].substr(0, colon)),
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }
  buffer_.erase(0, head_end + 4);

  bool no_body = head_request || response.status == 204 || response.status == 304 ||
                 (response.status >= 100 && response.status < 200);
  if (no_body) return response;
  if (absl::EqualsIgnoreCase(response.Header("transfer-encoding"), "chunked")) {
    response.chunked = true;
    while (true) {
      size_t line_end;
      while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
        absl::Status status = need_more("a chunk size");
        if (!status.ok()) return status;
      }
      uint64_t size = 0;
      std::string size_text = buffer_.substr(0, line_end);
      if (!absl::SimpleHexAtoi(size_text, &size)) {
        return absl::InternalError(absl::StrCat("bad chunk size: ", size_text));
      }
      while (buffer_.size() < line_end + 2 + size + 2) {
        absl::Status status = need_more("chunk data");
        if (!status.ok()) return status;
      }
      response.body.append(buffer_, line_end + 2, size);
      buffer_.erase(0, line_end + 2 + size + 2);
      if (size == 0) return response;
    }
  }
  std::string length_text = response.Header("content-length");
  if (!length_text.empty()) {
    uint64_t length = 0;
    if (!absl::SimpleAtoi(length_text, &length)) {
      return absl::InternalError(absl::StrCat("bad Content-Length: ", length_text));
    }
    while (buffer_.size() < length) {
      absl::Status status = need_more("the body");
      if (!status.ok()) return status;
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }
  // Close-delimited body.
  while (Fill(deadline)) {
  }
  if (!eof_) return absl::DeadlineExceededError("close-delimited body never ended");
  response.body = std::move(buffer_);
  buffer_.clear();
  return response;
}

}  // namespace hyper::testing
