// Plain option structs shared by url.h, connection.h and pool.h, so that a
// URL can be parsed without linking the connection code.
//
// Example:
//   PoolOptions options;            // size 10, min 1, 5 s, 256 statements
//   options.size = 20;
//   options.connection.statement_cache_capacity;  // 256
#ifndef HYPER_LIBS_PG_OPTIONS_H_
#define HYPER_LIBS_PG_OPTIONS_H_

#include "absl/time/time.h"

namespace hyper::pg {

struct ConnectionOptions {
  // Prepared statements kept per connection (LRU). 0 disables the cache:
  // every Exec then uses libpq's unnamed statement.
  int statement_cache_capacity = 256;
  // Upper bound on establishing the connection (libpq connect_timeout,
  // which rounds up to whole seconds and is at least 2 s).
  absl::Duration connect_timeout = absl::Seconds(5);
};

struct PoolOptions {
  // Most connections open at once (leased + idle). >= 1.
  int size = 10;
  // Connections opened by Pool::Warm() and kept when idle. 0 <= min <= size.
  int min_size = 1;
  // How long Acquire() waits for a free connection before DeadlineExceeded.
  absl::Duration acquire_timeout = absl::Seconds(5);
  // Per-connection options; statement_cache_capacity comes from the URL's
  // `statement_cache` parameter.
  ConnectionOptions connection;
};

}  // namespace hyper::pg

#endif  // HYPER_LIBS_PG_OPTIONS_H_
