// CopyStream: one CopyIn client stream to the query service. Rows are added
// to the message being built; Send() hands it to gRPC (callback API) and
// building goes on in a second buffer while the first is on the wire, so
// the client's encoding overlaps the transfer and the server's COPY. Send
// waits only when both buffers are taken.
//
// Example:
//   CopyStream stream(stub, "bench_copy", {"id", "payload"});
//   v1::Row* row = stream.AddRow();
//   row->add_values()->set_int_value(1);
//   row->add_values()->set_text_value("x");
//   stream.Send();                      // any number of times
//   grpc::Status status = stream.Finish();
//   // status.ok(): stream.rows_written() == 1
#ifndef HYPER_SERVICES_BENCH_COPY_STREAM_H_
#define HYPER_SERVICES_BENCH_COPY_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "proto/hyper/query/v1/query.grpc.pb.h"

namespace hyper::bench {

class CopyStream final : public grpc::ClientWriteReactor<query::v1::CopyInRequest> {
 public:
  // `stub` must outlive the stream; the first message names the model and
  // the fields.
  CopyStream(query::v1::QueryService::Stub* stub, std::string model,
             std::vector<std::string> fields);
  CopyStream(const CopyStream&) = delete;
  CopyStream& operator=(const CopyStream&) = delete;
  // Finishes the stream if Finish() was not called.
  ~CopyStream() override;

  // A new row of the message being built.
  query::v1::Row* AddRow() { return building_->add_rows(); }

  // Sends the rows added since the last Send (nothing when there are none).
  // After the server has failed the stream, rows are dropped; Finish() then
  // returns its error.
  void Send();

  // Sends what is left, ends the stream and waits for the server's answer.
  grpc::Status Finish();
  int64_t rows_written() const { return response_.rows_written(); }
  const std::string& model() const { return model_; }

  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  const std::string model_;
  const std::vector<std::string> fields_;
  grpc::ClientContext context_;
  query::v1::CopyInResponse response_;
  query::v1::CopyInRequest buffers_[2];
  query::v1::CopyInRequest* building_ = &buffers_[0];  // this thread's
  bool first_ = true;
  bool finished_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  query::v1::CopyInRequest* in_flight_ = nullptr;  // guarded by mu_
  query::v1::CopyInRequest* queued_ = nullptr;     // guarded by mu_: sent, waiting
  bool failed_ = false;                            // guarded by mu_
  bool done_ = false;                              // guarded by mu_
  grpc::Status status_;                            // guarded by mu_
};

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_COPY_STREAM_H_
