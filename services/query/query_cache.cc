#include "services/query/query_cache.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "proto/hyper/query/v1/models_config.pb.h"

namespace hyper::query {
namespace {

void Count(std::atomic<uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

// Collects text-format parse errors with their line, for a useful message.
class ErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first.empty()) first = absl::StrCat("line ", line + 1, ":", column + 1, ": ", message);
  }
  std::string first;
};

}  // namespace

absl::StatusOr<QueryCache::Ttls> QueryCache::LoadConfig(const std::string& path,
                                                        const Catalog& catalog) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("models: cannot read '", path, "'"));
  std::stringstream text;
  text << file.rdbuf();
  v1::ModelsConfig config;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text.str(), &config)) {
    return absl::InvalidArgumentError(absl::StrCat("models: ", path, ": ", errors.first));
  }
  Ttls ttls;
  for (int i = 0; i < config.model_size(); ++i) {
    const v1::ModelConfig& model = config.model(i);
    const std::string where = absl::StrCat("models: ", path, ": model[", i, "]");
    if (catalog.Find(model.name()) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".name: '", model.name(), "' is not a model of the database"));
    }
    if (model.cache_ttl_ms() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".cache_ttl_ms: must be 0 or positive, got ", model.cache_ttl_ms()));
    }
    if (!ttls.emplace(model.name(), absl::Milliseconds(model.cache_ttl_ms())).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".name: '", model.name(), "' is listed twice"));
    }
  }
  return ttls;
}

QueryCache::QueryCache(cache::RemoteCache* remote, Ttls ttls, absl::Duration retry_interval)
    : remote_(remote), ttls_(std::move(ttls)), retry_interval_(retry_interval) {
  retrier_ = std::thread([this] { RetryDirty(); });
}

QueryCache::~QueryCache() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  retrier_.join();
}

std::optional<absl::Duration> QueryCache::TtlFor(const std::vector<std::string>& reads) const {
  if (reads.empty()) return std::nullopt;
  auto root = ttls_.find(reads[0]);
  if (root == ttls_.end() || root->second <= absl::ZeroDuration()) return std::nullopt;
  absl::Duration ttl = root->second;
  for (const std::string& model : reads) {
    auto it = ttls_.find(model);
    if (it != ttls_.end() && it->second > absl::ZeroDuration()) ttl = std::min(ttl, it->second);
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& model : reads) {
    if (dirty_.contains(model)) return std::nullopt;
  }
  return ttl;
}

std::string QueryCache::Key(absl::string_view rpc, const google::protobuf::Message& request) {
  std::string key = absl::StrCat("hyper.query/", rpc, "/");
  {
    google::protobuf::io::StringOutputStream stream(&key);
    google::protobuf::io::CodedOutputStream out(&stream);
    // Equal requests must give equal bytes (maps in any order).
    out.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&out);
  }
  return key;
}

void QueryCache::Lookup(std::string key, const std::vector<std::string>& reads,
                        LookupDone done) {
  remote_->GetVersionedAsync(
      key, reads,
      [this, done = std::move(done)](absl::StatusOr<cache::RemoteCache::Versioned> got) {
        if (!got.ok()) {
          Count(errors_);
          done(std::nullopt, std::string());
          return;
        }
        Count(got->value.has_value() ? hits_ : misses_);
        done(std::move(got->value), std::move(got->versioned_key));
      });
}

void QueryCache::Store(const std::string& stamped_key, std::string value, absl::Duration ttl) {
  if (stamped_key.empty()) return;
  Count(stores_);
  remote_->SetAsync(stamped_key, value, ttl);
}

void QueryCache::Invalidate(std::vector<std::string> models, std::function<void()> done) {
  if (models.empty()) {
    done();
    return;
  }
  remote_->BumpVersionsAsync(
      models, [this, models, done = std::move(done)](absl::Status status) {
        if (status.ok()) {
          Count(bumps_);
        } else {
          Count(bump_errors_);
          {
            std::lock_guard<std::mutex> lock(mu_);
            ++dirty_seq_;
            for (const std::string& model : models) dirty_[model] = dirty_seq_;
          }
          wake_.notify_all();
        }
        done();
      });
}

std::vector<std::string> QueryCache::WrittenModels(const Catalog& catalog,
                                                   absl::string_view model, bool cascades) {
  std::vector<std::string> models = {std::string(model)};
  const ModelInfo* info = catalog.Find(model);
  if (!cascades || info == nullptr) return models;
  for (const ReverseInfo& reverse : info->reverse_relations) {
    AddModel(models, reverse.source_model);
  }
  return models;
}

void QueryCache::RetryDirty() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !dirty_.empty(); });
    if (stopping_) return;
    std::vector<std::string> models;
    for (const auto& [model, seq] : dirty_) models.push_back(model);
    const uint64_t seq_before = dirty_seq_;
    lock.unlock();
    absl::Status bumped = remote_->BumpVersions(models);
    lock.lock();
    if (bumped.ok()) {
      Count(bumps_);
      // Only what this bump covered: a model that turned dirty again while
      // it was in flight stays dirty for the next round.
      absl::erase_if(dirty_, [&](const auto& entry) { return entry.second <= seq_before; });
    } else {
      wake_.wait_for(lock, absl::ToChronoNanoseconds(retry_interval_),
                     [this] { return stopping_; });
    }
  }
}

QueryCacheStats QueryCache::stats() const {
  QueryCacheStats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  s.stores = stores_.load(std::memory_order_relaxed);
  s.errors = errors_.load(std::memory_order_relaxed);
  s.bumps = bumps_.load(std::memory_order_relaxed);
  s.bump_errors = bump_errors_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  s.dirty_models = dirty_.size();
  return s;
}

}  // namespace hyper::query
