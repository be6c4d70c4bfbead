// IsHttpUrl: absolute http/https URLs as a web form means them.
//
// Accepted: scheme "http" or "https" (any case), "://", a host, an optional
// ":port" (1..65535), then an optional path, query and fragment. The host is
// a name of dot-separated labels (letters, digits, inner hyphens; 1..63 each,
// 253 in all; a single label such as "localhost" and dotted IPv4 pass) or a
// bracketed IPv6 literal of hex digits, colons and dots. Refused by decision:
// other schemes, user info ("http://user@host", a phishing aid), raw spaces,
// control characters and raw non-ASCII (percent-encode them), more than 2048
// bytes.
//
// Example:
//   IsHttpUrl("https://example.com:8443/a/b?q=1#top")  // true
//   IsHttpUrl("ftp://example.com/")                     // false
//   IsHttpUrl("http://exa mple.com/")                   // false
#ifndef HYPER_LIBS_VALIDATION_URL_H_
#define HYPER_LIBS_VALIDATION_URL_H_

#include "absl/strings/string_view.h"

namespace hyper::validation {

inline constexpr size_t kMaxUrlLength = 2048;

// True when `url` is an http(s) URL in the subset described above.
bool IsHttpUrl(absl::string_view url);

}  // namespace hyper::validation

#endif  // HYPER_LIBS_VALIDATION_URL_H_
