// ViewCache: the edge's cache of whole responses ("views") for routes given
// a cache_ttl. An in-process L1 (LocMemCache, bounded by bytes) and, when
// configured, the cache service as a shared L2, so a page rendered by one
// edge replica is served by all of them.
//
// Only GET and HEAD (served from the GET entry) responses with status 200
// are stored: status, content type, headers and body. The key is the path,
// the query string and the values of the headers the route varies on, so
// two requests that may get different pages never share an entry.
//
// Fail-soft: an L2 that is down or slow is a miss (counted in l2_errors);
// the view runs and the page is still served and kept in L1.
//
// Example:
//   ViewCache cache({.l1_bytes = 64 << 20, .remote = &remote});
//   std::string key = ViewCache::Key(exchange.head(), {"accept-language"});
//   if (auto page = cache.GetLocal(key)) { ... serve *page ... }
#ifndef HYPER_SERVICES_EDGE_VIEW_CACHE_H_
#define HYPER_SERVICES_EDGE_VIEW_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/cache/locmem_cache.h"
#include "libs/cache/remote_cache.h"
#include "libs/http/parser.h"
#include "libs/http/server.h"

namespace hyper::edge {

// A whole response as a view produces it.
struct View {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  http::HeaderPairs headers;  // beside Content-Type (and what the server adds)
  std::string body;
};

// A length-prefixed encoding of a View, and its inverse (nullopt for bytes
// that are not a whole, valid encoding).
std::string EncodeView(const View& view);
std::optional<View> DecodeView(absl::string_view bytes);

struct ViewCacheStats {
  uint64_t l1_hits = 0;
  uint64_t l2_hits = 0;
  uint64_t misses = 0;
  uint64_t stores = 0;
  uint64_t l2_errors = 0;
};

class ViewCache {
 public:
  struct Options {
    size_t l1_bytes = 64 << 20;
    size_t max_view_bytes = 1 << 20;  // larger pages are served, not stored
    cache::RemoteCache* remote = nullptr;  // not owned; nullptr: L1 only
  };

  explicit ViewCache(Options options);

  // "GET <path>?<query>" plus "\n<name>: <value>" for each vary header (its
  // first value, or nothing when absent). HEAD uses the GET key.
  static std::string Key(const http::RequestHead& head, const std::vector<std::string>& vary);

  bool has_remote() const { return options_.remote != nullptr; }
  // L1 only; counts a hit (a miss is counted when the lookup ends).
  std::optional<View> GetLocal(const std::string& key);
  // L2: `done` runs once on a gRPC thread; a hit is also kept in L1 for
  // `ttl`. Call after GetLocal missed.
  void GetRemote(const std::string& key, absl::Duration ttl,
                 std::function<void(std::optional<View>)> done);
  // Counts a miss that ends without L2 (no remote configured).
  void CountMiss();
  // Stores a 200 view in L1 and (asynchronously) L2. Other statuses and
  // oversized views are ignored.
  void Store(const std::string& key, const View& view, absl::Duration ttl);

  ViewCacheStats stats() const;

 private:
  Options options_;
  cache::LocMemCache l1_;
  std::atomic<uint64_t> l1_hits_{0};
  std::atomic<uint64_t> l2_hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> stores_{0};
  std::atomic<uint64_t> l2_errors_{0};
};

}  // namespace hyper::edge

#endif  // HYPER_SERVICES_EDGE_VIEW_CACHE_H_
