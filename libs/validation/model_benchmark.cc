// A 6-field model (the shape tools/bench/validation_vs_python.sh gives
// Python): model -> JSON with the writer, creation + validation of a struct,
// and a JSON body parsed and validated into the struct. Items are models.
#include <cstdint>
#include <string>

#include "benchmark/benchmark.h"
#include "libs/json/reader.h"
#include "libs/json/writer.h"
#include "libs/validation/model.h"

namespace hyper::validation {
namespace {

struct User {
  int64_t id = 0;
  std::string name;
  std::string email;
  int64_t age = 0;
  double score = 0;
  bool active = false;
};

const Model<User>& UserModel() {
  static const auto* model = &(*new Model<User>())
      .Required("id", &User::id, Int({.min = 1}))
      .Required("name", &User::name, String({.min_length = 1, .max_length = 64}))
      .Required("email", &User::email, String({.format = Format::kEmail}))
      .Required("age", &User::age, Int({.min = 0, .max = 150}))
      .Optional("score", &User::score, Float({.min = 0, .max = 100}))
      .Optional("active", &User::active, Bool());
  return *model;
}

// One writer per response, as a handler writes one body.
void BM_ModelToJson(benchmark::State& state) {
  const User user{12345, "Ann Lee", "ann.lee@example.com", 34, 87.5, true};
  std::string out;
  out.reserve(256);
  for (auto _ : state) {
    out.clear();
    json::JsonWriter w(&out);
    UserModel().Write(user, &w);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ModelToJson);

// One writer for many models (e.g. a list response): no per-model setup.
void BM_ModelToJsonReusedWriter(benchmark::State& state) {
  const User user{12345, "Ann Lee", "ann.lee@example.com", 34, 87.5, true};
  std::string out;
  out.reserve(256);
  json::JsonWriter w(&out);
  for (auto _ : state) {
    out.clear();
    UserModel().Write(user, &w);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ModelToJsonReusedWriter);

void BM_ModelCreateValidate(benchmark::State& state) {
  int64_t id = 1;
  for (auto _ : state) {
    User user{id++, "Ann Lee", "ann.lee@example.com", 34, 87.5, true};
    Errors errors = UserModel().Validate(user);
    benchmark::DoNotOptimize(errors.ok());
    benchmark::DoNotOptimize(user);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ModelCreateValidate);

void BM_ModelParseValidate(benchmark::State& state) {
  const std::string body =
      R"({"id":12345,"name":"Ann Lee","email":"ann.lee@example.com","age":34,)"
      R"("score":87.5,"active":true})";
  json::JsonReader reader;
  for (auto _ : state) {
    User user;
    Errors errors = UserModel().Parse(&reader, body, &user);
    benchmark::DoNotOptimize(errors.ok());
    benchmark::DoNotOptimize(user);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ModelParseValidate);

}  // namespace
}  // namespace hyper::validation
