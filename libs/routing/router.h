// Router: the HTTP edge's request router. It maps (method, path) to the
// handler id registered for the best matching pattern. The table is built
// once at startup with Add(); Find() is then const, lock-free, safe to call
// from any number of threads at once, and allocates nothing once the
// caller's Params has warmed up.
//
// Patterns are a '/' followed by segments separated by '/':
//   users         a static segment, compared byte for byte with the RAW path
//                 (no percent-decoding: "/a%20b" matches only "/a%20b").
//   {name}        one non-empty segment.
//   {name:int}    one segment of ASCII digits with an optional leading '-'
//                 whose value fits int64 ("007", "-0" and
//                 "-9223372036854775808" match; "-", "+1", "1e3" and
//                 "9223372036854775808" do not). Checked on the raw segment.
//   {name...}     a catch-all: the rest of the path, possibly empty, even
//                 across '/'; only as the last segment.
// A parameter is a whole segment ("/v{n}" is rejected); names are
// [A-Za-z_][A-Za-z0-9_]*, unique within a pattern, at most 16 per pattern.
// "/users" and "/users/" are different patterns and paths; no redirects.
//
// Matching. The path alone picks the route: at each segment a static
// segment beats {name:int}, which beats {name}, which beats {name...}, and
// when the preferred branch fails further down the next one is tried
// (backtracking), so "/a/{x}/c" and "/a/b/d" both serve "/a/b/c". The method
// is then looked up among the routes of that one pattern shape only (no
// backtracking on the method): with POST /a/b and GET /a/{x}, GET /a/b is
// 405. This keeps every Allow value exact and precomputed.
//   - No route for the method: kMethodNotAllowed with the Allow value,
//     e.g. "GET, HEAD, OPTIONS, POST" (sorted; always OPTIONS; HEAD with GET).
//   - HEAD without an explicit HEAD route is served by the GET route
//     (kFound, head_via_get = true).
//   - OPTIONS without an explicit OPTIONS route: kOptions with Allow.
// Parameter values are percent-decoded ("%2F" -> "/", "%20" -> " "; '+' is
// left as is, that rule is the query string's). A bad escape ("%zz", a
// truncated "%4") in a matched route's value gives kBadRequest (answer 400).
// A path that is empty or does not start with '/' ("*", absolute-form) is
// kNotFound: the server handles those before routing. Pass the path without
// the query string; '?' is not special here.
//
// Example:
//   Router router;
//   router.Add("GET", "/users/{id:int}", 1);             // OkStatus()
//   router.Add("GET", "/users/{name}", 2);               // OkStatus()
//   router.Add("POST", "/users/{name}", 3);              // OkStatus()
//   router.Add("GET", "/files/{path...}", 4);            // OkStatus()
//   router.Add("GET", "/users/{login}", 5);
//   // AlreadyExists: "route GET /users/{login} conflicts with
//   //   GET /users/{name}: both match the same paths"
//   Params params;  // reuse it across requests: no allocation when warm
//   Match m = router.Find("GET", "/users/42", &params);
//   // m.kind == Match::kFound, m.handler_id == 1,
//   // m.pattern == "/users/{id:int}", params.Get("id") == "42"
//   m = router.Find("GET", "/users/j%20doe", &params);
//   // kFound, handler_id 2, params.Get("name") == "j doe"
//   m = router.Find("HEAD", "/users/ann", &params);
//   // kFound, handler_id 2, m.head_via_get == true
//   m = router.Find("DELETE", "/users/ann", &params);
//   // kMethodNotAllowed, m.allow == "GET, HEAD, OPTIONS, POST"
//   m = router.Find("OPTIONS", "/users/ann", &params);
//   // kOptions, m.allow == "GET, HEAD, OPTIONS, POST"
//   m = router.Find("GET", "/files/a/b%2Fc", &params);
//   // kFound, handler_id 4, params.Get("path") == "a/b/c"
//   m = router.Find("GET", "/files/%zz", &params);   // kBadRequest
//   m = router.Find("GET", "/nope", &params);        // kNotFound
#ifndef HYPER_LIBS_ROUTING_ROUTER_H_
#define HYPER_LIBS_ROUTING_ROUTER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace hyper::routing {

namespace routing_internal {
struct Tree;
struct FlatNode;
}  // namespace routing_internal

// One captured parameter. `name` points into the Router; `value` into the
// looked-up path or, when it was percent-decoded, into the Params' buffer.
struct Param {
  absl::string_view name;
  absl::string_view value;
};

// The parameters of the last Find() that returned kFound (empty after any
// other result). Reuse one per thread or connection: its decode buffer keeps
// its capacity, so lookups allocate nothing once it has grown. Views stay
// valid until the next Find() with this Params, and while the path and the
// Router live.
class Params {
 public:
  static constexpr size_t kMaxParams = 16;

  Params() = default;
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // In pattern order; i < size().
  const Param& operator[](size_t i) const { return params_[i]; }
  const Param* begin() const { return params_.data(); }
  const Param* end() const { return params_.data() + size_; }
  // The value of parameter `name`, or "" when there is none.
  absl::string_view Get(absl::string_view name) const;

 private:
  friend class Router;

  std::array<Param, kMaxParams> params_;
  size_t size_ = 0;
  std::string scratch_;  // decoded values; grows, never shrinks
};

struct Match {
  enum Kind {
    kFound,             // handler_id serves the request
    kNotFound,          // 404: no pattern matches the path
    kMethodNotAllowed,  // 405: answer with header `Allow: <allow>`
    kOptions,           // automatic OPTIONS: answer 204 with `Allow: <allow>`
    kBadRequest,        // 400: a matched parameter has a bad %-escape
  };
  Kind kind = kNotFound;
  // The matched route's handler; meaningful only for kFound.
  uint32_t handler_id = 0;
  // kFound for a HEAD request served by the GET route.
  bool head_via_get = false;
  // The Allow header value of the matched path; set for every kind except
  // kNotFound.
  absl::string_view allow;
  // The matched route's pattern, e.g. "/users/{id:int}", for metrics labels.
  // For kMethodNotAllowed and kOptions, the first pattern registered for the
  // path's shape; empty for kNotFound.
  absl::string_view pattern;
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&);
  Router& operator=(Router&&);

  // Registers `pattern` for `method` (a case-sensitive HTTP token such as
  // "GET" or "PURGE"). Not thread-safe, and it invalidates the views of
  // earlier Find() results: call every Add() before the first Find(). Each
  // call rebuilds the lookup arrays, O(size of the table): fine at startup
  // (233 routes take about 1.3 ms), not for a hot path.
  // Errors (messages name the pattern and the problem):
  //   InvalidArgument: a bad method token, or a malformed pattern: no
  //     leading '/', empty segment, '?', '#', whitespace or control bytes,
  //     unclosed or stray brace, parameter not a whole segment, bad or empty
  //     name, unknown type, catch-all not last, repeated name, more than
  //     Params::kMaxParams parameters.
  //   AlreadyExists: the same method already has a pattern of the same shape
  //     (it would match the same paths at the same priority, e.g.
  //     "/u/{id}" and "/u/{name}"); the message names both patterns. In this
  //     grammar two patterns match the same paths at the same priority
  //     exactly when their shapes are equal, so this is the only ambiguity.
  absl::Status Add(absl::string_view method, absl::string_view pattern,
                   uint32_t handler_id);

  // Routes one request; see the file comment for the rules. Thread-safe
  // (const, no shared mutable state), allocation-free once `params` has
  // grown to the longest percent-encoded values seen. `params` is
  // overwritten; it holds values only when kind == kFound.
  Match Find(absl::string_view method, absl::string_view path,
             Params* params) const;

 private:
  std::unique_ptr<routing_internal::Tree> tree_;
  // Find() reads the flat nodes in *tree_ from here, saving a load.
  const routing_internal::FlatNode* nodes_ = nullptr;
};

}  // namespace hyper::routing

#endif  // HYPER_LIBS_ROUTING_ROUTER_H_
