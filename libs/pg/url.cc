#include "libs/pg/url.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace hyper::pg {
namespace {

absl::Status ParseInt(absl::string_view name, absl::string_view value,
                      int64_t lo, int64_t hi, int64_t* out) {
  int64_t v;
  if (!absl::SimpleAtoi(value, &v) || v < lo || v > hi) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " must be an integer in [", lo, ", ", hi, "], got '", value,
        "'"));
  }
  *out = v;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParsedUrl> ParseUrl(absl::string_view url) {
  if (!absl::StartsWith(url, "postgres://") &&
      !absl::StartsWith(url, "postgresql://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "database URL must start with postgres:// or postgresql://, got '",
        url.substr(0, url.find(':')), "'"));
  }
  ParsedUrl out;
  size_t q = url.find('?');
  absl::string_view base = url.substr(0, q);
  std::vector<std::string> kept;
  bool min_given = false;
  if (q != absl::string_view::npos) {
    for (absl::string_view param :
         absl::StrSplit(url.substr(q + 1), '&', absl::SkipEmpty())) {
      size_t eq = param.find('=');
      if (eq == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("URL parameter '", param, "' has no value"));
      }
      absl::string_view name = param.substr(0, eq);
      absl::string_view value = param.substr(eq + 1);
      int64_t v = 0;
      if (name == "pool_size") {
        absl::Status s = ParseInt(name, value, 1, 10000, &v);
        if (!s.ok()) return s;
        out.pool.size = static_cast<int>(v);
      } else if (name == "min_size") {
        absl::Status s = ParseInt(name, value, 0, 10000, &v);
        if (!s.ok()) return s;
        out.pool.min_size = static_cast<int>(v);
        min_given = true;
      } else if (name == "acquire_timeout_ms") {
        absl::Status s = ParseInt(name, value, 0, 3600000, &v);
        if (!s.ok()) return s;
        out.pool.acquire_timeout = absl::Milliseconds(v);
      } else if (name == "statement_cache") {
        absl::Status s = ParseInt(name, value, 0, 100000, &v);
        if (!s.ok()) return s;
        out.pool.connection.statement_cache_capacity = static_cast<int>(v);
      } else if (name == "busy_wait_us") {
        absl::Status s = ParseInt(name, value, 0, 1000000, &v);
        if (!s.ok()) return s;
        out.pool.connection.busy_wait = absl::Microseconds(v);
      } else {
        kept.emplace_back(param);
      }
    }
  }
  if (out.pool.min_size > out.pool.size) {
    if (min_given) {
      return absl::InvalidArgumentError(absl::StrCat(
          "min_size must be an integer in [0, ", out.pool.size, "], got '",
          out.pool.min_size, "'"));
    }
    out.pool.min_size = out.pool.size;
  }
  out.conninfo = std::string(base);
  if (!kept.empty()) absl::StrAppend(&out.conninfo, "?", absl::StrJoin(kept, "&"));
  return out;
}

}  // namespace hyper::pg
