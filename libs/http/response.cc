#include "libs/http/response.h"

#include <ctime>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/http/parser.h"

namespace hyper::http {
namespace {

bool SafeValue(absl::string_view value) {
  for (unsigned char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

void AppendDecimal(std::string* out, uint64_t value) {
  char digits[24];
  char* end = absl::numbers_internal::FastIntToBuffer(value, digits);
  out->append(digits, static_cast<size_t>(end - digits));
}

void AppendHex(std::string* out, uint64_t value) {
  char digits[17];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[value & 0xf];
    value >>= 4;
  } while (value != 0);
  while (n > 0) out->push_back(digits[--n]);
}

}  // namespace

absl::string_view StatusReason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string FormatHttpDate(absl::Time time) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", time, absl::UTCTimeZone());
}

absl::string_view CurrentDateLine() {
  thread_local time_t cached_second = -1;
  thread_local std::string line;
  time_t now = std::time(nullptr);
  if (now != cached_second) {
    cached_second = now;
    line = absl::StrCat("Date: ", FormatHttpDate(absl::FromTimeT(now)), "\r\n");
  }
  return line;
}

ResponseWriter::ResponseWriter(std::string* out, Options options)
    : out_(out), options_(options) {}

bool ResponseWriter::HasBody() const {
  if (options_.head_request) return false;
  return !(status_ < 200 || status_ == 204 || status_ == 304);
}

void ResponseWriter::Start(int status) {
  status_ = status;
  out_->append(options_.version_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
  AppendDecimal(out_, static_cast<uint64_t>(status));
  out_->push_back(' ');
  absl::string_view reason = StatusReason(status);
  out_->append(reason.data(), reason.size());
  out_->append("\r\nServer: hyper\r\n");
  absl::string_view date = CurrentDateLine();
  out_->append(date.data(), date.size());
}

void ResponseWriter::EndHead() {
  if (!options_.keep_alive) {
    out_->append("Connection: close\r\n\r\n");
  } else if (options_.version_minor == 0) {
    out_->append("Connection: keep-alive\r\n\r\n");
  } else {
    out_->append("\r\n");
  }
}

bool ResponseWriter::AddHeader(absl::string_view name, absl::string_view value) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (!internal::IsTokenChar(c)) return false;
  }
  if (!SafeValue(value)) return false;
  out_->append(name.data(), name.size());
  out_->append(": ");
  out_->append(value.data(), value.size());
  out_->append("\r\n");
  return true;
}

void ResponseWriter::Finish(absl::string_view body) {
  if (status_ != 204 && !(status_ >= 100 && status_ < 200)) {
    out_->append("Content-Length: ");
    AppendDecimal(out_, body.size());
    out_->append("\r\n");
  }
  EndHead();
  if (HasBody()) {
    out_->append(body.data(), body.size());
    body_bytes_ = body.size();
  }
  finished_ = true;
}

void ResponseWriter::StartStream() {
  if (!HasBody()) {
    // Nothing may follow the head: an empty fixed-size body.
    out_->append("Content-Length: 0\r\n");
    EndHead();
    return;
  }
  if (options_.version_minor == 0) {
    // No chunked coding in HTTP/1.0: the body ends when the connection does.
    options_.keep_alive = false;
    EndHead();
    return;
  }
  chunked_ = true;
  out_->append("Transfer-Encoding: chunked\r\n");
  EndHead();
}

void ResponseWriter::WriteChunk(absl::string_view data) {
  if (data.empty() || !HasBody()) return;
  body_bytes_ += data.size();
  if (!chunked_) {
    out_->append(data.data(), data.size());
    return;
  }
  AppendHex(out_, data.size());
  out_->append("\r\n");
  out_->append(data.data(), data.size());
  out_->append("\r\n");
}

void ResponseWriter::FinishStream() {
  if (chunked_) out_->append("0\r\n\r\n");
  finished_ = true;
}

}  // namespace hyper::http
