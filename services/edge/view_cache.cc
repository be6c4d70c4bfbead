#include "services/edge/view_cache.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace hyper::edge {
namespace {

void Count(std::atomic<uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

// Little-endian, whatever the host's order, so replicas agree.
void PutU32(std::string* out, uint32_t n) {
  for (int shift = 0; shift < 32; shift += 8) out->push_back(static_cast<char>(n >> shift));
}

void PutString(std::string* out, absl::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s.data(), s.size());
}

// Reads from the front of `in`; false when it is too short.
bool GetU32(absl::string_view* in, uint32_t* n) {
  if (in->size() < 4) return false;
  *n = 0;
  for (int i = 0; i < 4; ++i) *n |= uint32_t{static_cast<unsigned char>((*in)[i])} << (8 * i);
  in->remove_prefix(4);
  return true;
}

bool GetString(absl::string_view* in, std::string* s) {
  uint32_t size;
  if (!GetU32(in, &size) || in->size() < size) return false;
  s->assign(in->data(), size);
  in->remove_prefix(size);
  return true;
}

constexpr uint32_t kMagic = 0x31564856;  // "VHV1"
constexpr uint32_t kMaxHeaders = 1000;

}  // namespace

std::string EncodeView(const View& view) {
  std::string out;
  out.reserve(32 + view.content_type.size() + view.body.size());
  PutU32(&out, kMagic);
  PutU32(&out, static_cast<uint32_t>(view.status));
  PutString(&out, view.content_type);
  PutU32(&out, static_cast<uint32_t>(view.headers.size()));
  for (const auto& [name, value] : view.headers) {
    PutString(&out, name);
    PutString(&out, value);
  }
  PutString(&out, view.body);
  return out;
}

std::optional<View> DecodeView(absl::string_view bytes) {
  View view;
  uint32_t magic, status, headers;
  if (!GetU32(&bytes, &magic) || magic != kMagic || !GetU32(&bytes, &status) ||
      status < 100 || status > 599 || !GetString(&bytes, &view.content_type) ||
      !GetU32(&bytes, &headers) || headers > kMaxHeaders) {
    return std::nullopt;
  }
  view.status = static_cast<int>(status);
  for (uint32_t i = 0; i < headers; ++i) {
    std::pair<std::string, std::string> header;
    if (!GetString(&bytes, &header.first) || !GetString(&bytes, &header.second)) {
      return std::nullopt;
    }
    view.headers.push_back(std::move(header));
  }
  if (!GetString(&bytes, &view.body) || !bytes.empty()) return std::nullopt;
  return view;
}

ViewCache::ViewCache(Options options)
    : options_(options),
      l1_(cache::LocMemCache::Options{
          .shards = 16,
          .max_entries = std::max<size_t>(16, options.l1_bytes / 256),
          .max_bytes = options.l1_bytes,
          .max_value_bytes = options.max_view_bytes,
          .entry_overhead_bytes = 160,
      }) {}

std::string ViewCache::Key(const http::RequestHead& head, const std::vector<std::string>& vary) {
  std::string key = absl::StrCat("GET ", head.path);
  if (!head.query.empty()) absl::StrAppend(&key, "?", head.query);
  for (const std::string& name : vary) {
    std::optional<absl::string_view> value = head.headers.Get(name);
    absl::StrAppend(&key, "\n", name, ": ", value.value_or(""));
  }
  return key;
}

std::optional<View> ViewCache::GetLocal(const std::string& key) {
  absl::StatusOr<std::optional<std::string>> bytes = l1_.Get(key);
  if (!bytes.ok() || !bytes->has_value()) return std::nullopt;
  std::optional<View> view = DecodeView(**bytes);
  if (view.has_value()) Count(l1_hits_);
  return view;
}

void ViewCache::CountMiss() { Count(misses_); }

void ViewCache::GetRemote(const std::string& key, absl::Duration ttl,
                          std::function<void(std::optional<View>)> done) {
  options_.remote->GetAsync(
      key, [this, key, ttl, done = std::move(done)](
               absl::StatusOr<std::optional<std::string>> bytes) {
        if (!bytes.ok()) Count(l2_errors_);
        std::optional<View> view;
        if (bytes.ok() && bytes->has_value()) view = DecodeView(**bytes);
        if (view.has_value()) {
          Count(l2_hits_);
          l1_.Set(key, **bytes, ttl).IgnoreError();
        } else {
          Count(misses_);
        }
        done(std::move(view));
      });
}

void ViewCache::Store(const std::string& key, const View& view, absl::Duration ttl) {
  if (view.status != 200 || ttl <= absl::ZeroDuration()) return;
  std::string bytes = EncodeView(view);
  if (bytes.size() > options_.max_view_bytes) return;
  Count(stores_);
  l1_.Set(key, bytes, ttl).IgnoreError();
  if (options_.remote != nullptr) options_.remote->SetAsync(key, bytes, ttl);
}

ViewCacheStats ViewCache::stats() const {
  return ViewCacheStats{
      .l1_hits = l1_hits_.load(std::memory_order_relaxed),
      .l2_hits = l2_hits_.load(std::memory_order_relaxed),
      .misses = misses_.load(std::memory_order_relaxed),
      .stores = stores_.load(std::memory_order_relaxed),
      .l2_errors = l2_errors_.load(std::memory_order_relaxed),
  };
}

}  // namespace hyper::edge
