#include "libs/validation/url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace hyper::validation {
namespace {

bool IsHostName(absl::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t label_start = 0;
  for (size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      const size_t len = i - label_start;
      if (len == 0 || len > 63 || host[i - 1] == '-') return false;
      label_start = i + 1;
      continue;
    }
    const char c = host[i];
    if (c == '-') {
      if (i == label_start) return false;
    } else if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

bool IsIpv6Literal(absl::string_view host) {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
  for (char c : host.substr(1, host.size() - 2)) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
      return false;
    }
  }
  return absl::StrContains(host, ':');
}

}  // namespace

bool IsHttpUrl(absl::string_view url) {
  if (url.size() > kMaxUrlLength) return false;
  absl::string_view rest;
  if (absl::StartsWithIgnoreCase(url, "https://")) {
    rest = url.substr(8);
  } else if (absl::StartsWithIgnoreCase(url, "http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  size_t end = rest.find_first_of("/?#");
  if (end == absl::string_view::npos) end = rest.size();
  absl::string_view authority = rest.substr(0, end);
  const absl::string_view tail = rest.substr(end);
  if (absl::StrContains(authority, '@')) return false;

  absl::string_view host = authority;
  const size_t colon = authority.rfind(':');
  if (colon != absl::string_view::npos &&
      authority.find(']', colon) == absl::string_view::npos) {
    host = authority.substr(0, colon);
    const absl::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    int value = 0;
    for (char c : port) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) return false;
  }
  if (host.empty()) return false;
  if (!(host.front() == '[' ? IsIpv6Literal(host) : IsHostName(host))) {
    return false;
  }
  for (char ch : tail) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '\\') {
      return false;
    }
  }
  return true;
}

}  // namespace hyper::validation
