// Builders of hyper.query.v1.Value for the suites' requests.
//
// Example:
//   *condition->mutable_value() = Int(42);
//   params.push_back(Text("rust"));
#ifndef HYPER_SERVICES_BENCH_QUERY_VALUES_H_
#define HYPER_SERVICES_BENCH_QUERY_VALUES_H_

#include <cstdint>
#include <string>
#include <utility>

#include "proto/hyper/query/v1/query.pb.h"

namespace hyper::bench {

inline query::v1::Value Int(int64_t n) {
  query::v1::Value v;
  v.set_int_value(n);
  return v;
}

inline query::v1::Value Float(double d) {
  query::v1::Value v;
  v.set_float_value(d);
  return v;
}

inline query::v1::Value Text(std::string s) {
  query::v1::Value v;
  v.set_text_value(std::move(s));
  return v;
}

inline query::v1::Value Timestamp(int64_t micros) {
  query::v1::Value v;
  v.set_timestamp_micros(micros);
  return v;
}

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_QUERY_VALUES_H_
