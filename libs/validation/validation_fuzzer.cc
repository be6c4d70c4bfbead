// libFuzzer target over parse + validate + write: arbitrary bytes as a
// request body for a model with every kind of field, checking invariants
// that must hold for every input (any violation aborts):
//   - Parse never crashes; a malformed body gives exactly one error at "";
//   - every error has a non-empty message, and errors stay within the limit;
//   - a body that validates writes back as JSON that parses and validates
//     again to the same JSON (round trip), and Validate agrees with Parse;
//   - the error list itself always writes as valid JSON.
//
// Outside Bazel, from the workspace root (one command line):
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -I.
//     libs/validation/{validation_fuzzer,model,errors,email,url,int_range}.cc
//     libs/json/{reader,writer}.cc $(pkg-config --libs simdjson) -lre2
//     -labsl_status -labsl_strings -labsl_str_format_internal ... -o /tmp/vf
//   /tmp/vf testdata/validation/corpus
// (validation_fuzz_smoke_test.sh has the full line.) In Bazel,
// validation_fuzzer_test replays the seed corpus through this target.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "libs/json/reader.h"
#include "libs/json/writer.h"
#include "libs/validation/errors.h"
#include "libs/validation/model.h"

namespace hyper::validation {
namespace {

#define FUZZ_CHECK(cond)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                  \
      std::abort();                                                   \
    }                                                                 \
  } while (0)

struct Line {
  std::string sku;
  int64_t quantity = 0;
  std::vector<int64_t> sizes;
};

struct Body {
  int64_t id = 0;
  std::string email;
  double price = 0;
  bool gift = false;
  std::string kind;
  std::string site;
  std::string code;
  std::vector<Line> lines;
  std::vector<std::string> tags;
};

const Model<Line>& LineModel() {
  static const auto* model = &(*new Model<Line>())
      .Required("sku", &Line::sku, String({.min_length = 1, .max_length = 8}))
      .Required("quantity", &Line::quantity, Int({.min = 1, .max = 99}))
      .Optional("sizes", &Line::sizes, ArrayOf(Int({.min = -5, .max = 50}), {.max_items = 20}));
  return *model;
}

const Model<Body>& BodyModel() {
  static const auto* model = &(*new Model<Body>())
      .Required("id", &Body::id, Int({.min = 1}))
      .Optional("email", &Body::email, String({.format = Format::kEmail}))
      .Optional("price", &Body::price, Float({.min = 0, .max = 1e9}))
      .Optional("gift", &Body::gift, Bool())
      .Optional("kind", &Body::kind, String({.one_of = {"a", "bb", "ccc"}}))
      .Optional("site", &Body::site, String({.format = Format::kUrl}))
      .Optional("code", &Body::code, String({.pattern = "[A-Z]{2}[0-9]{1,4}"}))
      .Optional("lines", &Body::lines, ArrayOf(Object(LineModel()), {.max_items = 10}))
      .Optional("tags", &Body::tags, ArrayOf(String({.max_length = 4})));
  return *model;
}

void CheckErrorsJson(const Errors& errors, json::JsonReader* reader) {
  const std::string text = ErrorsToJson(errors);
  FUZZ_CHECK(reader->Parse(text).ok());
  for (const FieldError& e : errors.list()) FUZZ_CHECK(!e.message.empty());
}

void FuzzOnce(absl::string_view input, size_t max_depth, size_t max_errors) {
  json::JsonReader reader(json::JsonReader::Options{.max_depth = max_depth});
  Body body;
  const Errors errors = BodyModel().Parse(&reader, input, &body, max_errors);
  FUZZ_CHECK(errors.size() <= max_errors);
  if (errors.malformed()) {
    FUZZ_CHECK(errors.size() == 1 && errors.list()[0].field.empty());
  }
  CheckErrorsJson(errors, &reader);
  if (!errors.ok()) return;

  // A valid body: the struct validates, and writes back stably.
  FUZZ_CHECK(BodyModel().Validate(body).ok());
  const std::string once = BodyModel().ToJson(body);
  json::JsonReader big;
  Body again;
  const Errors again_errors = BodyModel().Parse(&big, once, &again);
  FUZZ_CHECK(again_errors.ok());
  FUZZ_CHECK(BodyModel().ToJson(again) == once);
}

}  // namespace
}  // namespace hyper::validation

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  hyper::validation::FuzzOnce(input, 64, 100);
  hyper::validation::FuzzOnce(input, 3, 2);
  return 0;
}
