#include "libs/cache/remote_cache.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/service/grpc_status.h"

namespace hyper::cache {
namespace {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  grpc::ChannelArguments args;
  // A cache that comes back should be used again soon, not after gRPC's
  // default backoff (up to two minutes).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

RemoteCache::RemoteCache(RemoteCacheOptions options)
    : options_(std::move(options)),
      channel_(MakeChannel(options_.address)),
      stub_(v1::CacheService::NewStub(channel_)) {}

RemoteCache::~RemoteCache() {
  std::unique_lock<std::mutex> lock(async_mu_);
  async_idle_.wait(lock, [this] { return async_in_flight_ == 0; });
}

void RemoteCache::Prepare(grpc::ClientContext* context) const {
  context->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
}

absl::Status RemoteCache::Failed(const grpc::Status& status) {
  CacheCounters::Add(counters_.errors);
  return service::FromGrpcStatus(status);
}

absl::StatusOr<int64_t> RemoteCache::TtlMs(absl::Duration ttl) const {
  if (ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ttl: must not be negative, got ", absl::FormatDuration(ttl)));
  }
  if (ttl == absl::ZeroDuration() || ttl == absl::InfiniteDuration()) return 0;
  // Rounded up, so a sub-millisecond ttl does not become "never expires".
  return std::max<int64_t>(1, absl::ToInt64Milliseconds(absl::Ceil(ttl, absl::Milliseconds(1))));
}

absl::StatusOr<std::optional<std::string>> RemoteCache::Get(absl::string_view key) {
  absl::StatusOr<Versioned> got = GetVersioned(key, {});
  if (!got.ok()) return got.status();
  return std::move(got->value);
}

absl::StatusOr<RemoteCache::Versioned> RemoteCache::GetVersioned(
    absl::string_view key, const std::vector<std::string>& tables) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetRequest request;
  request.set_key(std::string(key));
  for (const std::string& table : tables) request.add_version_tables(table);
  v1::GetResponse response;
  grpc::Status status = stub_->Get(&context, request, &response);
  if (!status.ok()) return Failed(status);
  return FromGetResponse(response);
}

RemoteCache::Versioned RemoteCache::FromGetResponse(v1::GetResponse& response) {
  Versioned out;
  out.versioned_key = std::move(*response.mutable_versioned_key());
  if (response.found()) {
    CacheCounters::Add(counters_.hits);
    out.value = std::move(*response.mutable_value());
  } else {
    CacheCounters::Add(counters_.misses);
  }
  return out;
}

absl::StatusOr<std::vector<std::optional<std::string>>> RemoteCache::GetMany(
    absl::Span<const absl::string_view> keys) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetManyRequest request;
  for (absl::string_view key : keys) request.add_keys(key.data(), key.size());
  v1::GetManyResponse response;
  grpc::Status status = stub_->GetMany(&context, request, &response);
  if (!status.ok()) return Failed(status);
  if (response.results_size() != static_cast<int>(keys.size())) {
    CacheCounters::Add(counters_.errors);
    return absl::InternalError(absl::StrCat("cache service answered ", response.results_size(),
                                            " results for ", keys.size(), " keys"));
  }
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  for (v1::GetResponse& result : *response.mutable_results()) {
    if (result.found()) {
      CacheCounters::Add(counters_.hits);
      values.emplace_back(std::move(*result.mutable_value()));
    } else {
      CacheCounters::Add(counters_.misses);
      values.emplace_back(std::nullopt);
    }
  }
  return values;
}

absl::Status RemoteCache::Set(absl::string_view key, absl::string_view value,
                              absl::Duration ttl) {
  absl::StatusOr<int64_t> ttl_ms = TtlMs(ttl);
  if (!ttl_ms.ok()) return ttl_ms.status();
  grpc::ClientContext context;
  Prepare(&context);
  v1::SetRequest request;
  request.set_key(std::string(key));
  request.set_value(std::string(value));
  request.set_ttl_ms(*ttl_ms);
  v1::SetResponse response;
  grpc::Status status = stub_->Set(&context, request, &response);
  if (!status.ok()) return Failed(status);
  CacheCounters::Add(counters_.sets);
  return absl::OkStatus();
}

absl::Status RemoteCache::SetMany(absl::Span<const KeyValue> entries, absl::Duration ttl) {
  absl::StatusOr<int64_t> ttl_ms = TtlMs(ttl);
  if (!ttl_ms.ok()) return ttl_ms.status();
  grpc::ClientContext context;
  Prepare(&context);
  v1::SetManyRequest request;
  request.set_ttl_ms(*ttl_ms);
  for (const auto& [key, value] : entries) {
    v1::Entry* entry = request.add_entries();
    entry->set_key(key.data(), key.size());
    entry->set_value(value.data(), value.size());
  }
  v1::SetManyResponse response;
  grpc::Status status = stub_->SetMany(&context, request, &response);
  if (!status.ok()) return Failed(status);
  CacheCounters::Add(counters_.sets, entries.size());
  return absl::OkStatus();
}

absl::StatusOr<v1::GetOrSetResponse> RemoteCache::StoreIfAbsent(absl::string_view key,
                                                                 std::string value,
                                                                 int64_t ttl_ms) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetOrSetRequest request;
  request.set_key(std::string(key));
  request.set_value(std::move(value));
  request.set_ttl_ms(ttl_ms);
  v1::GetOrSetResponse response;
  grpc::Status status = stub_->GetOrSet(&context, request, &response);
  if (!status.ok()) return Failed(status);
  if (response.stored()) CacheCounters::Add(counters_.sets);
  return response;
}

absl::StatusOr<bool> RemoteCache::Add(absl::string_view key, absl::string_view value,
                                      absl::Duration ttl) {
  absl::StatusOr<int64_t> ttl_ms = TtlMs(ttl);
  if (!ttl_ms.ok()) return ttl_ms.status();
  absl::StatusOr<v1::GetOrSetResponse> response = StoreIfAbsent(key, std::string(value), *ttl_ms);
  if (!response.ok()) return response.status();
  return response->stored();
}

absl::StatusOr<bool> RemoteCache::Delete(absl::string_view key) {
  absl::StatusOr<int64_t> deleted = DeleteMany({key});
  if (!deleted.ok()) return deleted.status();
  return *deleted > 0;
}

absl::StatusOr<int64_t> RemoteCache::DeleteMany(absl::Span<const absl::string_view> keys) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::DeleteRequest request;
  for (absl::string_view key : keys) request.add_keys(key.data(), key.size());
  v1::DeleteResponse response;
  grpc::Status status = stub_->Delete(&context, request, &response);
  if (!status.ok()) return Failed(status);
  CacheCounters::Add(counters_.deletes, response.deleted());
  return response.deleted();
}

absl::StatusOr<int64_t> RemoteCache::Incr(absl::string_view key, int64_t delta) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::IncrRequest request;
  request.set_key(std::string(key));
  request.set_delta(delta);
  v1::IncrResponse response;
  grpc::Status status = stub_->Incr(&context, request, &response);
  if (!status.ok()) return Failed(status);
  return response.value();
}

absl::StatusOr<std::string> RemoteCache::GetOrSet(absl::string_view key, absl::Duration ttl,
                                                  const Compute& compute) {
  absl::StatusOr<int64_t> ttl_ms = TtlMs(ttl);
  if (!ttl_ms.ok()) return ttl_ms.status();
  absl::StatusOr<std::optional<std::string>> cached = Get(key);
  if (!cached.ok()) return cached.status();
  if (cached->has_value()) return std::move(**cached);
  absl::StatusOr<std::string> computed = compute();
  if (!computed.ok()) return computed.status();
  absl::StatusOr<v1::GetOrSetResponse> response =
      StoreIfAbsent(key, std::move(*computed), *ttl_ms);
  if (!response.ok()) return response.status();
  return std::move(*response->mutable_value());
}

absl::Status RemoteCache::Clear() {
  grpc::ClientContext context;
  Prepare(&context);
  v1::ClearResponse response;
  grpc::Status status = stub_->Clear(&context, v1::ClearRequest(), &response);
  return status.ok() ? absl::OkStatus() : Failed(status);
}

CacheStats RemoteCache::stats() const { return counters_.Snapshot(); }

absl::StatusOr<v1::StatsResponse> RemoteCache::ServiceStats() {
  grpc::ClientContext context;
  Prepare(&context);
  v1::StatsResponse response;
  grpc::Status status = stub_->Stats(&context, v1::StatsRequest(), &response);
  if (!status.ok()) return Failed(status);
  return response;
}

absl::Status RemoteCache::BumpVersions(const std::vector<std::string>& tables) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::BumpVersionsRequest request;
  for (const std::string& table : tables) request.add_tables(table);
  v1::BumpVersionsResponse response;
  grpc::Status status = stub_->BumpVersions(&context, request, &response);
  return status.ok() ? absl::OkStatus() : Failed(status);
}

template <typename Request, typename Response, typename Start>
void RemoteCache::StartAsync(Request request, Start start,
                             std::function<void(const grpc::Status&, Response&)> done) {
  struct Call {
    grpc::ClientContext context;
    Request request;
    Response response;
  };
  auto call = std::make_shared<Call>();
  Prepare(&call->context);
  call->request = std::move(request);
  {
    std::lock_guard<std::mutex> lock(async_mu_);
    ++async_in_flight_;
  }
  start(stub_->async(), &call->context, &call->request, &call->response,
        [this, call, done = std::move(done)](grpc::Status status) {
          done(status, call->response);
          std::lock_guard<std::mutex> lock(async_mu_);
          if (--async_in_flight_ == 0) async_idle_.notify_all();
        });
}

void RemoteCache::GetAsync(absl::string_view key, GetCallback done) {
  GetVersionedAsync(key, {}, [done = std::move(done)](absl::StatusOr<Versioned> got) {
    if (!got.ok()) {
      done(got.status());
    } else {
      done(std::move(got->value));
    }
  });
}

void RemoteCache::GetVersionedAsync(absl::string_view key,
                                    const std::vector<std::string>& tables,
                                    VersionedCallback done) {
  v1::GetRequest request;
  request.set_key(std::string(key));
  for (const std::string& table : tables) request.add_version_tables(table);
  StartAsync<v1::GetRequest, v1::GetResponse>(
      std::move(request),
      [](auto* stub, auto* context, auto* req, auto* resp, auto on_status) {
        stub->Get(context, req, resp, std::move(on_status));
      },
      [this, done = std::move(done)](const grpc::Status& status, v1::GetResponse& response) {
        if (!status.ok()) {
          done(Failed(status));
        } else {
          done(FromGetResponse(response));
        }
      });
}

void RemoteCache::SetAsync(absl::string_view key, absl::string_view value,
                           absl::Duration ttl) {
  absl::StatusOr<int64_t> ttl_ms = TtlMs(ttl);
  if (!ttl_ms.ok()) {
    CacheCounters::Add(counters_.errors);
    return;
  }
  v1::SetRequest request;
  request.set_key(std::string(key));
  request.set_value(std::string(value));
  request.set_ttl_ms(*ttl_ms);
  StartAsync<v1::SetRequest, v1::SetResponse>(
      std::move(request),
      [](auto* stub, auto* context, auto* req, auto* resp, auto on_status) {
        stub->Set(context, req, resp, std::move(on_status));
      },
      [this](const grpc::Status& status, v1::SetResponse&) {
        if (status.ok()) {
          CacheCounters::Add(counters_.sets);
        } else {
          Failed(status).IgnoreError();
        }
      });
}

void RemoteCache::BumpVersionsAsync(const std::vector<std::string>& tables,
                                    std::function<void(absl::Status)> done) {
  v1::BumpVersionsRequest request;
  for (const std::string& table : tables) request.add_tables(table);
  StartAsync<v1::BumpVersionsRequest, v1::BumpVersionsResponse>(
      std::move(request),
      [](auto* stub, auto* context, auto* req, auto* resp, auto on_status) {
        stub->BumpVersions(context, req, resp, std::move(on_status));
      },
      [this, done = std::move(done)](const grpc::Status& status, v1::BumpVersionsResponse&) {
        done(status.ok() ? absl::OkStatus() : Failed(status));
      });
}

}  // namespace hyper::cache
