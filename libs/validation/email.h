// IsEmail: the practical subset of RFC 5321/5322 addresses that mail systems
// actually deliver to, checked in one pass without a regex.
//
// Accepted: `local@domain` where
//   - local is a dot-atom: one or more runs of atext (letters, digits and
//     ! # $ % & ' * + - / = ? ^ _ ` { | } ~) joined by single dots (no
//     leading, trailing or double dot), at most 64 bytes;
//   - domain is two or more labels joined by dots, each 1..63 letters,
//     digits or hyphens, not starting or ending with a hyphen; the last label
//     (the TLD) holds a letter, so "a@1.2.3.4" is refused; at most 255 bytes;
//   - the whole address is at most 254 bytes (RFC 5321's path limit less <>).
// Refused by decision (rare, and mostly seen in abuse): quoted local parts
// ("john doe"@x.com), IP-literal domains (a@[192.0.2.1]), single-label
// domains (root@localhost), comments, and non-ASCII (SMTPUTF8) addresses.
//
// Example:
//   IsEmail("first.last+tag@mail.example.com")  // true
//   IsEmail("first..last@example.com")          // false (double dot)
//   IsEmail("user@-example.com")                // false (hyphen at label start)
#ifndef HYPER_LIBS_VALIDATION_EMAIL_H_
#define HYPER_LIBS_VALIDATION_EMAIL_H_

#include "absl/strings/string_view.h"

namespace hyper::validation {

inline constexpr size_t kMaxEmailLength = 254;
inline constexpr size_t kMaxEmailLocalLength = 64;
inline constexpr size_t kMaxEmailDomainLength = 255;
inline constexpr size_t kMaxDomainLabelLength = 63;

// True when `address` is an email address in the subset described above.
bool IsEmail(absl::string_view address);

namespace internal {
// IsEmail one byte at a time: what IsEmail runs for addresses over 64 bytes
// and on CPUs without AVX2 (it judges shorter ones 32 bytes at a time).
// Exposed for tests.
bool IsEmailScalar(absl::string_view address);
}  // namespace internal

}  // namespace hyper::validation

#endif  // HYPER_LIBS_VALIDATION_EMAIL_H_
