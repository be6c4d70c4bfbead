#include "libs/pg/executor.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace hyper::pg {

Executor::Executor(Pool* pool, int threads, size_t max_batch)
    : pool_(pool), max_batch_(std::max<size_t>(1, max_batch)) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
}

Executor::~Executor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void Executor::Submit(Statement statement, Callback done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      ++stats_.submitted;
      queue_.push_back(Task{std::move(statement), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(absl::CancelledError("executor is shutting down"));
}

void Executor::Work() {
  std::optional<Pool::Lease> lease;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (queue_.empty()) {
      if (lease) {
        // Give the connection back while there is nothing to do.
        lock.unlock();
        lease.reset();
        lock.lock();
        continue;
      }
      if (stopping_) return;
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      continue;
    }
    std::vector<Task> batch;
    while (!queue_.empty() && batch.size() < max_batch_) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    // Others may take what is left.
    if (!queue_.empty()) cv_.notify_one();
    lock.unlock();

    std::vector<absl::StatusOr<Result>> results;
    if (!lease) {
      absl::StatusOr<Pool::Lease> acquired = pool_->Acquire();
      if (acquired.ok()) {
        lease.emplace(*std::move(acquired));
      } else {
        results.assign(batch.size(), acquired.status());
      }
    }
    if (lease) {
      if (batch.size() == 1) {
        results.push_back((*lease)->Exec(batch[0].statement));
      } else {
        std::vector<Statement> statements;
        statements.reserve(batch.size());
        for (Task& t : batch) statements.push_back(std::move(t.statement));
        results = (*lease)->ExecPipelined(statements);
      }
      if (!(*lease)->ok()) lease.reset();  // the pool replaces it
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].done(std::move(results[i]));
    }

    lock.lock();
    ++stats_.batches;
    stats_.completed += batch.size();
    if (batch.size() > 1) stats_.pipelined += batch.size();
    stats_.largest_batch = std::max(stats_.largest_batch, batch.size());
  }
}

ExecutorStats Executor::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  ExecutorStats s = stats_;
  s.queued = queue_.size();
  return s;
}

}  // namespace hyper::pg
