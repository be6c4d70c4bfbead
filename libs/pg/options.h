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
  // How long to wait for a reply by polling the socket before sleeping in
  // poll() (0: sleep at once). A client bound by round trips, one statement
  // at a time, then sees the reply as soon as it lands instead of after the
  // kernel wakes it (tens of µs on a VM), at the price of a busy core while
  // it waits: the trade Linux's busy polling (SO_BUSY_POLL) makes. Leave it
  // 0 where threads share the cores with the server (the query service).
  absl::Duration busy_wait = absl::ZeroDuration();
};

struct PoolOptions {
  // Most connections open at once (leased + idle). >= 1.
  int size = 10;
  // Connections opened by Pool::Warm() and kept when idle. 0 <= min <= size.
  int min_size = 1;
  // How long Acquire() waits for a free connection before DeadlineExceeded.
  absl::Duration acquire_timeout = absl::Seconds(5);
  // Per-connection options; statement_cache_capacity and busy_wait come from
  // the URL's `statement_cache` and `busy_wait_us` parameters.
  ConnectionOptions connection;
};

}  // namespace hyper::pg

#endif  // HYPER_LIBS_PG_OPTIONS_H_
