#include "services/bench/copy_stream.h"

#include <utility>

namespace hyper::bench {

CopyStream::CopyStream(query::v1::QueryService::Stub* stub, std::string model,
                       std::vector<std::string> fields)
    : model_(std::move(model)), fields_(std::move(fields)) {
  stub->async()->CopyIn(&context_, &response_, this);
  StartCall();
}

CopyStream::~CopyStream() {
  if (!finished_) Finish();
}

void CopyStream::Send() {
  if (building_->rows_size() == 0) return;
  if (first_) {
    building_->set_model(model_);
    for (const std::string& f : fields_) building_->add_fields(f);
    first_ = false;
  }
  query::v1::CopyInRequest* sent = building_;
  building_ = sent == &buffers_[0] ? &buffers_[1] : &buffers_[0];
  bool start = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!failed_) {
      if (in_flight_ == nullptr) {
        in_flight_ = sent;
        start = true;
      } else {
        queued_ = sent;
      }
    }
    // The next buffer is free once gRPC is done with it.
    cv_.wait(lock, [&] { return failed_ || (in_flight_ != building_ && queued_ != building_); });
  }
  if (start) StartWrite(sent);
  building_->Clear();
}

grpc::Status CopyStream::Finish() {
  Send();
  finished_ = true;
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return failed_ || (in_flight_ == nullptr && queued_ == nullptr); });
  if (!failed_) {
    lock.unlock();
    StartWritesDone();
    lock.lock();
  }
  cv_.wait(lock, [&] { return done_; });
  return status_;
}

void CopyStream::OnWriteDone(bool ok) {
  query::v1::CopyInRequest* next = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ok) {
      failed_ = true;  // the server has answered; OnDone brings its status
    } else {
      in_flight_ = queued_;
      queued_ = nullptr;
      next = in_flight_;
    }
  }
  cv_.notify_all();
  if (next != nullptr) StartWrite(next);
}

void CopyStream::OnDone(const grpc::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  status_ = status;
  done_ = true;
  cv_.notify_all();
}

}  // namespace hyper::bench
