#include "services/cache/cache_service.h"

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libs/service/grpc_status.h"

namespace hyper::cache {
namespace {

constexpr const char* kMethodNames[] = {"Get",      "GetMany", "Set",   "SetMany",
                                        "Delete",   "Incr",    "GetOrSet", "Clear",
                                        "Stats",    "GetVersions", "BumpVersions",
                                        "Pipeline"};

// How many times GetOrSet retries when the key vanishes (expired, evicted or
// deleted) between a refused Add and the Get that reads the winner.
constexpr int kGetOrSetAttempts = 3;

// A request's keys as the views Cache's batch calls take, without copying
// the bytes; a batch of up to kInlineKeys needs no allocation for them.
constexpr size_t kInlineKeys = 16;
absl::InlinedVector<absl::string_view, kInlineKeys> KeyViews(
    const google::protobuf::RepeatedPtrField<std::string>& keys) {
  return absl::InlinedVector<absl::string_view, kInlineKeys>(keys.begin(), keys.end());
}

// Table names: each must be non-empty (`field`[i] names the bad one).
absl::Status CheckTableNames(absl::string_view field, const TableVersions::Tables& tables) {
  for (int i = 0; i < tables.size(); ++i) {
    if (tables[i].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, "[", i, "]: must not be empty"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

CacheServiceImpl::CacheServiceImpl(Cache* store, TableVersions* versions,
                                   CacheServiceOptions options,
                                   metrics::Registry* registry)
    : store_(store), versions_(versions), options_(options) {
  static_assert(std::size(kMethodNames) == kMethods);
  SetMessageAllocatorFor_Get(&get_allocator_);
  SetMessageAllocatorFor_GetMany(&get_many_allocator_);
  SetMessageAllocatorFor_Set(&set_allocator_);
  SetMessageAllocatorFor_SetMany(&set_many_allocator_);
  if (registry == nullptr) return;
  for (int m = 0; m < kMethods; ++m) {
    requests_[m] = registry->AddCounter("hyper_cache_requests_total",
                                        "Cache service calls, by method.",
                                        {{"method", kMethodNames[m]}});
    failures_[m] = registry->AddCounter("hyper_cache_request_errors_total",
                                        "Cache service calls that returned an error, by method.",
                                        {{"method", kMethodNames[m]}});
  }
}

bool CacheServiceImpl::KeyOk(absl::string_view key) const {
  return !key.empty() && key.size() <= options_.max_key_bytes;
}

absl::Status CacheServiceImpl::CheckKey(absl::string_view field, absl::string_view key) const {
  if (KeyOk(key)) return absl::OkStatus();
  if (key.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": must not be empty"));
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", key.size(),
                                                 " bytes is over the limit of ",
                                                 options_.max_key_bytes));
}

absl::Status CacheServiceImpl::CheckKeys(
    const google::protobuf::RepeatedPtrField<std::string>& keys) const {
  for (int i = 0; i < keys.size(); ++i) {
    // The field name is formatted only for a bad key.
    if (KeyOk(keys[i])) continue;
    return CheckKey(absl::StrCat("keys[", i, "]"), keys[i]);
  }
  return absl::OkStatus();
}

bool CacheServiceImpl::ValueOk(absl::string_view value) const {
  return value.size() <= options_.max_value_bytes;
}

absl::Status CacheServiceImpl::CheckValue(absl::string_view field,
                                          absl::string_view value) const {
  if (ValueOk(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", value.size(),
                                                 " bytes is over the limit of ",
                                                 options_.max_value_bytes));
}

absl::StatusOr<absl::Duration> CacheServiceImpl::Ttl(int64_t ttl_ms) const {
  if (ttl_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ttl_ms: must be 0 (no expiry) or positive, got ", ttl_ms));
  }
  return absl::Milliseconds(ttl_ms);
}

absl::Status CacheServiceImpl::Count(Method method, absl::Status status) {
  if (requests_[method] != nullptr) {
    requests_[method]->Increment();
    if (!status.ok()) failures_[method]->Increment();
  }
  return status;
}

grpc::ServerUnaryReactor* CacheServiceImpl::Done(grpc::CallbackServerContext* context,
                                                 Method method, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(service::ToGrpcStatus(Count(method, status)));
  return reactor;
}

absl::Status CacheServiceImpl::DoGet(const v1::GetRequest& request, v1::GetResponse* response) {
  absl::Status status = CheckKey("key", request.key());
  if (status.ok()) status = CheckTableNames("version_tables", request.version_tables());
  if (status.ok()) {
    std::string stamped = request.version_tables().empty()
                              ? request.key()
                              : versions_->Stamp(request.key(), request.version_tables());
    absl::StatusOr<std::optional<std::string>> value = store_->Get(stamped);
    status = value.status();
    if (value.ok() && value->has_value()) {
      response->set_found(true);
      response->set_value(std::move(**value));
    }
    response->set_versioned_key(std::move(stamped));
  }
  return status;
}

grpc::ServerUnaryReactor* CacheServiceImpl::Get(grpc::CallbackServerContext* context,
                                                const v1::GetRequest* request,
                                                v1::GetResponse* response) {
  return Done(context, kGet, DoGet(*request, response));
}

absl::Status CacheServiceImpl::DoGetMany(const v1::GetManyRequest& request,
                                         v1::GetManyResponse* response) {
  absl::Status status = CheckKeys(request.keys());
  if (status.ok()) {
    absl::StatusOr<std::vector<std::optional<std::string>>> values =
        store_->GetMany(KeyViews(request.keys()));
    status = values.status();
    if (values.ok()) {
      for (size_t i = 0; i < values->size(); ++i) {
        v1::GetResponse* result = response->add_results();
        if ((*values)[i].has_value()) {
          result->set_found(true);
          result->set_value(std::move(*(*values)[i]));
        }
      }
    }
  }
  return status;
}

grpc::ServerUnaryReactor* CacheServiceImpl::GetMany(grpc::CallbackServerContext* context,
                                                    const v1::GetManyRequest* request,
                                                    v1::GetManyResponse* response) {
  return Done(context, kGetMany, DoGetMany(*request, response));
}

absl::Status CacheServiceImpl::DoSet(const v1::SetRequest& request, v1::SetResponse*) {
  absl::Status status = CheckKey("key", request.key());
  if (status.ok()) status = CheckValue("value", request.value());
  absl::StatusOr<absl::Duration> ttl = Ttl(request.ttl_ms());
  if (status.ok()) status = ttl.status();
  if (status.ok()) status = store_->Set(request.key(), request.value(), *ttl);
  return status;
}

grpc::ServerUnaryReactor* CacheServiceImpl::Set(grpc::CallbackServerContext* context,
                                                const v1::SetRequest* request,
                                                v1::SetResponse* response) {
  return Done(context, kSet, DoSet(*request, response));
}

absl::Status CacheServiceImpl::DoSetMany(const v1::SetManyRequest& request, v1::SetManyResponse*) {
  absl::StatusOr<absl::Duration> ttl = Ttl(request.ttl_ms());
  absl::Status status = ttl.status();
  for (int i = 0; status.ok() && i < request.entries_size(); ++i) {
    const v1::Entry& entry = request.entries(i);
    if (!KeyOk(entry.key())) {
      status = CheckKey(absl::StrCat("entries[", i, "].key"), entry.key());
    } else if (!ValueOk(entry.value())) {
      status = CheckValue(absl::StrCat("entries[", i, "].value"), entry.value());
    }
  }
  if (status.ok()) {
    absl::InlinedVector<Cache::KeyValue, kInlineKeys> entries;
    entries.reserve(request.entries_size());
    for (const v1::Entry& entry : request.entries()) {
      entries.emplace_back(entry.key(), entry.value());
    }
    status = store_->SetMany(entries, *ttl);
  }
  return status;
}

grpc::ServerUnaryReactor* CacheServiceImpl::SetMany(grpc::CallbackServerContext* context,
                                                    const v1::SetManyRequest* request,
                                                    v1::SetManyResponse* response) {
  return Done(context, kSetMany, DoSetMany(*request, response));
}

absl::Status CacheServiceImpl::DoDelete(const v1::DeleteRequest& request,
                                        v1::DeleteResponse* response) {
  absl::Status status = CheckKeys(request.keys());
  if (status.ok()) {
    absl::StatusOr<int64_t> deleted = store_->DeleteMany(KeyViews(request.keys()));
    status = deleted.status();
    if (deleted.ok()) response->set_deleted(*deleted);
  }
  return status;
}

grpc::ServerUnaryReactor* CacheServiceImpl::Delete(grpc::CallbackServerContext* context,
                                                   const v1::DeleteRequest* request,
                                                   v1::DeleteResponse* response) {
  return Done(context, kDelete, DoDelete(*request, response));
}

absl::Status CacheServiceImpl::DoIncr(const v1::IncrRequest& request, v1::IncrResponse* response) {
  absl::Status status = CheckKey("key", request.key());
  if (status.ok()) {
    absl::StatusOr<int64_t> value = store_->Incr(request.key(), request.delta());
    status = value.status();
    if (value.ok()) response->set_value(*value);
  }
  return status;
}

grpc::ServerUnaryReactor* CacheServiceImpl::Incr(grpc::CallbackServerContext* context,
                                                 const v1::IncrRequest* request,
                                                 v1::IncrResponse* response) {
  return Done(context, kIncr, DoIncr(*request, response));
}

absl::Status CacheServiceImpl::DoGetOrSet(const v1::GetOrSetRequest& request,
                                          v1::GetOrSetResponse* response) {
  absl::Status status = CheckKey("key", request.key());
  if (status.ok()) status = CheckValue("value", request.value());
  absl::StatusOr<absl::Duration> ttl = Ttl(request.ttl_ms());
  if (status.ok()) status = ttl.status();
  // Add decides atomically; when it refuses, the winner is read back (and if
  // it vanished in between, the Add is tried again).
  for (int attempt = 0; status.ok() && attempt < kGetOrSetAttempts; ++attempt) {
    absl::StatusOr<bool> stored = store_->Add(request.key(), request.value(), *ttl);
    status = stored.status();
    if (!stored.ok()) break;
    if (*stored) {
      response->set_value(request.value());
      response->set_stored(true);
      break;
    }
    absl::StatusOr<std::optional<std::string>> winner = store_->Get(request.key());
    status = winner.status();
    if (winner.ok() && winner->has_value()) {
      response->set_value(std::move(**winner));
      break;
    }
    if (attempt + 1 == kGetOrSetAttempts) {
      status = absl::AbortedError("key: kept vanishing between store and read; retry");
    }
  }
  return status;
}

grpc::ServerUnaryReactor* CacheServiceImpl::GetOrSet(grpc::CallbackServerContext* context,
                                                     const v1::GetOrSetRequest* request,
                                                     v1::GetOrSetResponse* response) {
  return Done(context, kGetOrSet, DoGetOrSet(*request, response));
}

grpc::ServerUnaryReactor* CacheServiceImpl::Clear(grpc::CallbackServerContext* context,
                                                  const v1::ClearRequest*, v1::ClearResponse*) {
  return Done(context, kClear, store_->Clear());
}

v1::StatsResponse CacheServiceImpl::Snapshot() const {
  CacheStats s = store_->stats();
  v1::StatsResponse out;
  out.set_hits(s.hits);
  out.set_misses(s.misses);
  out.set_sets(s.sets);
  out.set_deletes(s.deletes);
  out.set_evictions(s.evictions);
  out.set_expirations(s.expirations);
  out.set_errors(s.errors);
  out.set_entries(s.entries);
  out.set_bytes(s.bytes);
  out.set_memory_budget_bytes(options_.memory_budget_bytes);
  out.set_version_bumps(versions_->bumps());
  out.set_tables_versioned(versions_->tables());
  if (options_.tiers != nullptr) {
    TwoTierStats tiers = options_.tiers->tier_stats();
    out.set_database_hits(tiers.l2_hits);
    out.set_database_errors(tiers.l2_errors);
  }
  return out;
}

grpc::ServerUnaryReactor* CacheServiceImpl::Stats(grpc::CallbackServerContext* context,
                                                  const v1::StatsRequest*,
                                                  v1::StatsResponse* response) {
  *response = Snapshot();
  return Done(context, kStats, absl::OkStatus());
}

namespace {

absl::Status CheckTables(const TableVersions::Tables& tables) {
  if (tables.empty()) return absl::InvalidArgumentError("tables: must not be empty");
  return CheckTableNames("tables", tables);
}

template <typename Response>
void Fill(const TableVersions::Snapshot& snapshot, Response* response) {
  response->set_epoch(snapshot.epoch);
  response->mutable_versions()->Add(snapshot.versions.begin(), snapshot.versions.end());
}

}  // namespace

grpc::ServerUnaryReactor* CacheServiceImpl::GetVersions(
    grpc::CallbackServerContext* context, const v1::GetVersionsRequest* request,
    v1::GetVersionsResponse* response) {
  absl::Status status = CheckTables(request->tables());
  if (status.ok()) Fill(versions_->Read(request->tables()), response);
  return Done(context, kGetVersions, status);
}

grpc::ServerUnaryReactor* CacheServiceImpl::BumpVersions(
    grpc::CallbackServerContext* context, const v1::BumpVersionsRequest* request,
    v1::BumpVersionsResponse* response) {
  absl::Status status = CheckTables(request->tables());
  if (status.ok()) Fill(versions_->Bump(request->tables()), response);
  return Done(context, kBumpVersions, status);
}

void CacheServiceImpl::Execute(const v1::PipelineRequest& request,
                               v1::PipelineResponse* response) {
  absl::Status status;
  switch (request.command_case()) {
    case v1::PipelineRequest::kGet:
      status = Count(kGet, DoGet(request.get(), response->mutable_get()));
      break;
    case v1::PipelineRequest::kGetMany:
      status = Count(kGetMany, DoGetMany(request.get_many(), response->mutable_get_many()));
      break;
    case v1::PipelineRequest::kSet:
      status = Count(kSet, DoSet(request.set(), response->mutable_set()));
      break;
    case v1::PipelineRequest::kSetMany:
      status = Count(kSetMany, DoSetMany(request.set_many(), response->mutable_set_many()));
      break;
    case v1::PipelineRequest::kDeleteKeys:
      status = Count(kDelete, DoDelete(request.delete_keys(), response->mutable_delete_keys()));
      break;
    case v1::PipelineRequest::kIncr:
      status = Count(kIncr, DoIncr(request.incr(), response->mutable_incr()));
      break;
    case v1::PipelineRequest::kGetOrSet:
      status = Count(kGetOrSet, DoGetOrSet(request.get_or_set(), response->mutable_get_or_set()));
      break;
    case v1::PipelineRequest::COMMAND_NOT_SET:
      status = absl::InvalidArgumentError(
          "command: not set; one of get, get_many, set, set_many, delete_keys, incr, "
          "get_or_set");
      break;
  }
  if (!status.ok()) {
    response->clear_result();
    response->set_code(static_cast<int32_t>(status.code()));
    response->set_message(std::string(status.message()));
  }
}

namespace {

// One Pipeline stream. Commands run inline as they are read (as the unary
// calls do); their responses queue in order behind the one write gRPC allows
// in flight. Reading pauses while kMaxQueued responses wait, so a client
// that never reads its responses cannot grow the server's memory. Each
// command and its response share a slot's arena, recycled once written.
class PipelineReactor final
    : public grpc::ServerBidiReactor<v1::PipelineRequest, v1::PipelineResponse> {
 public:
  static constexpr size_t kMaxQueued = 64;

  explicit PipelineReactor(CacheServiceImpl* service) : service_(service) {
    reading_ = true;
    reading_slot_ = TakeSlotLocked();  // nothing else runs yet
    StartRead(reading_slot_->request());
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client ended its side, or the call is gone
      bool finish;
      {
        std::lock_guard<std::mutex> lock(mu_);
        reading_ = false;
        reads_ended_ = true;
        finish = ShouldFinishLocked();
      }
      if (finish) FinishStream();
      return;
    }
    Slot* slot = reading_slot_;
    service_->Execute(*slot->request(), slot->response());
    const v1::PipelineResponse* write = nullptr;
    v1::PipelineRequest* read = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      replies_.push_back(slot);
      if (replies_.size() == 1) write = slot->response();  // no write was in flight
      reading_ = replies_.size() < kMaxQueued;
      if (reading_) read = (reading_slot_ = TakeSlotLocked())->request();
    }
    // Outside the lock: gRPC may run a reaction before Start* returns.
    if (write != nullptr) StartWrite(write);
    if (read != nullptr) StartRead(read);
  }

  void OnWriteDone(bool ok) override {
    const v1::PipelineResponse* write = nullptr;
    v1::PipelineRequest* read = nullptr;
    bool finish;
    {
      std::lock_guard<std::mutex> lock(mu_);
      do {  // the written one; all of them when the call is gone
        Slot* done = replies_.front();
        replies_.pop_front();
        done->Reset();
        free_.push_back(done);
      } while (!ok && !replies_.empty());
      broken_ = broken_ || !ok;
      if (!replies_.empty()) write = replies_.front()->response();
      if (!broken_ && !reading_ && !reads_ended_ && replies_.size() < kMaxQueued) {
        reading_ = true;
        read = (reading_slot_ = TakeSlotLocked())->request();
      }
      finish = ShouldFinishLocked();
    }
    if (write != nullptr) StartWrite(write);
    if (read != nullptr) StartRead(read);
    if (finish) FinishStream();
  }

  void OnDone() override { delete this; }

 private:
  using Slot = service::ArenaMessages<v1::PipelineRequest, v1::PipelineResponse>;

  Slot* TakeSlotLocked() {
    if (free_.empty()) {
      slots_.push_back(std::make_unique<Slot>());
      return slots_.back().get();
    }
    Slot* slot = free_.back();
    free_.pop_back();
    return slot;
  }
  // Finish once, when nothing is in flight and no more responses will come.
  bool ShouldFinishLocked() {
    if (finished_ || reading_ || !replies_.empty() || !(reads_ended_ || broken_)) return false;
    finished_ = true;
    return true;
  }
  void FinishStream() {
    Finish(broken_ ? grpc::Status(grpc::StatusCode::CANCELLED,
                                  "pipeline: the client went away before its responses")
                   : grpc::Status::OK);
  }

  CacheServiceImpl* const service_;
  Slot* reading_slot_ = nullptr;  // filled by the one read in flight
  std::mutex mu_;
  std::vector<std::unique_ptr<Slot>> slots_;  // all of them; guarded by mu_
  std::vector<Slot*> free_;                   // guarded by mu_
  // front() is being written whenever this is not empty; guarded by mu_
  std::deque<Slot*> replies_;
  bool reading_ = false;
  bool reads_ended_ = false;
  bool broken_ = false;
  bool finished_ = false;
};

}  // namespace

grpc::ServerBidiReactor<v1::PipelineRequest, v1::PipelineResponse>* CacheServiceImpl::Pipeline(
    grpc::CallbackServerContext*) {
  Count(kPipeline, absl::OkStatus()).IgnoreError();
  return new PipelineReactor(this);
}

}  // namespace hyper::cache
