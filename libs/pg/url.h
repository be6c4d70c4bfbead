// Parses a database URL into a libpq connection string and pool options.
//
// Accepts postgres:// and postgresql:// URLs. Our own query parameters
// (pool_size, min_size, acquire_timeout_ms, statement_cache, busy_wait_us)
// are removed, because libpq rejects unknown URI parameters; every other
// parameter (sslmode, connect_timeout, application_name, ...) is kept for
// libpq. The returned conninfo is still a URI, which libpq accepts as a
// conninfo.
//
// Example:
//   absl::StatusOr<ParsedUrl> p = ParseUrl(
//       "postgres://app:pw@db:5433/shop?pool_size=20&sslmode=disable");
//   p->conninfo;           // "postgres://app:pw@db:5433/shop?sslmode=disable"
//   p->pool.size;          // 20
//   p->pool.min_size;      // 1 (default)
//   ParseUrl("postgres://h/d?pool_size=abc").status();
//   // InvalidArgument: "pool_size must be an integer in [1, 10000], got 'abc'"
#ifndef HYPER_LIBS_PG_URL_H_
#define HYPER_LIBS_PG_URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/pg/options.h"

namespace hyper::pg {

struct ParsedUrl {
  // libpq connection string (a URI without our parameters).
  std::string conninfo;
  // Defaults from PoolOptions, overridden by the URL's parameters.
  PoolOptions pool;
};

// Returns InvalidArgument, naming the parameter, for: a scheme other than
// postgres/postgresql, a non-integer or out-of-range value of one of our
// parameters (pool_size 1..10000, min_size 0..pool_size,
// acquire_timeout_ms 0..3600000, statement_cache 0..100000, busy_wait_us
// 0..1000000), or a parameter without '='.
absl::StatusOr<ParsedUrl> ParseUrl(absl::string_view url);

}  // namespace hyper::pg

#endif  // HYPER_LIBS_PG_URL_H_
