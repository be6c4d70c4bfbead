// Model<T>: declare a struct's JSON fields once, with their rules, then read
// and validate request bodies into the struct (collecting every field error
// with its path), validate structs built in code, and write them as JSON.
//
// Example:
//   struct Item { std::string sku; int64_t quantity = 0; };
//   struct Order {
//     std::string email;
//     std::vector<Item> items;
//     std::vector<std::string> tags;
//   };
//   const Model<Item>& ItemModel() {
//     static const auto* model = &(*new Model<Item>())
//         .Required("sku", &Item::sku, String({.min_length = 1}))
//         .Required("quantity", &Item::quantity, Int({.min = 1, .max = 99}));
//     return *model;
//   }
//   Model<Order> order_model;
//   order_model.Required("email", &Order::email, String({.format = Format::kEmail}))
//       .Required("items", &Order::items, ArrayOf(Object(ItemModel()), {.min_items = 1}))
//       .Optional("tags", &Order::tags, ArrayOf(String({.max_length = 16})));
//   json::JsonReader reader;
//   Order order;
//   Errors errors = order_model.Parse(&reader,
//       R"({"email":"x","items":[{"sku":"a","quantity":0}]})", &order);
//   // errors.list() == {{"email", "not an email address"},
//   //                   {"items[0].quantity", "must be >= 1"}}
//   ErrorsToJson(errors)  // the 422 body
//   order_model.ToJson(order)  // {"email":"x","items":[...],"tags":[]}
//
// Semantics, decided:
//   - Unknown members are ignored; a member given twice is an error
//     ("duplicate field"), so two parsers cannot read different values.
//   - A missing or null Optional field keeps the struct's value; a missing
//     or null Required field is "is required". A struct has no "absent", so
//     an Optional string or array that is empty counts as absent: Validate
//     skips its rules and Write leaves it out (round trips stay valid).
//     Present in a body, "" is checked like any other value.
//   - String lengths count code points, not bytes.
//   - Integers must be JSON integers within int64 (1.0 is "must be an
//     integer"); floats accept any JSON number.
//   - Pattern rules use RE2 full-match syntax (the whole string must match).
//   - Errors stop being collected at Errors' limit (100 by default).
//
// A Model refers to the Models of its Object fields: they must outlive it
// (function-local statics, as above). Models are immutable once built and
// safe to use from many threads.
#ifndef HYPER_LIBS_VALIDATION_MODEL_H_
#define HYPER_LIBS_VALIDATION_MODEL_H_

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libs/json/reader.h"
#include "libs/json/writer.h"
#include "libs/validation/errors.h"
#include "libs/validation/int_range.h"

namespace re2 {
class RE2;
}

namespace hyper::validation {

struct IntRules {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
};

struct FloatRules {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
};

enum class Format {
  kNone,
  kEmail,  // libs/validation/email.h
  kUrl,    // http(s) only: libs/validation/url.h
};

struct StringRules {
  size_t min_length = 0;  // in code points
  size_t max_length = std::numeric_limits<size_t>::max();
  Format format = Format::kNone;
  // When not empty, the value must be one of these.
  std::vector<std::string> one_of;
  // When not empty, an RE2 pattern the whole value must match.
  std::string pattern;
};

struct ArrayRules {
  size_t min_items = 0;
  size_t max_items = std::numeric_limits<size_t>::max();
};

template <typename T>
class Model;

// Value types: each reads one JSON value into a C++ type, checks its rules
// and writes it back. Made by Int(), Float(), String(), Bool(), Object() and
// ArrayOf() below.
class IntType {
 public:
  using Value = int64_t;
  explicit IntType(IntRules rules) : rules_(rules) {}
  void Read(simdjson::dom::element json, Value* out, internal::ErrorContext& ctx) const;
  void Check(const Value& value, internal::ErrorContext& ctx) const {
    if (value < rules_.min || value > rules_.max) Fail(value, ctx);
  }
  void Write(const Value& value, json::JsonWriter* w) const { w->Int(value); }
  absl::Status status() const { return absl::OkStatus(); }
  const IntRules& rules() const { return rules_; }

 private:
  void Fail(Value value, internal::ErrorContext& ctx) const;
  IntRules rules_;
};

class FloatType {
 public:
  using Value = double;
  explicit FloatType(FloatRules rules) : rules_(rules) {}
  void Read(simdjson::dom::element json, Value* out, internal::ErrorContext& ctx) const;
  void Check(const Value& value, internal::ErrorContext& ctx) const;
  void Write(const Value& value, json::JsonWriter* w) const { w->Double(value); }
  absl::Status status() const { return absl::OkStatus(); }

 private:
  FloatRules rules_;
};

class StringType {
 public:
  using Value = std::string;
  explicit StringType(StringRules rules);
  void Read(simdjson::dom::element json, Value* out, internal::ErrorContext& ctx) const;
  // Also refuses invalid UTF-8 (a JSON body cannot hold it; a struct can).
  void Check(const Value& value, internal::ErrorContext& ctx) const;
  void Write(const Value& value, json::JsonWriter* w) const { w->String(value); }
  // Not OK when the pattern does not compile.
  absl::Status status() const { return status_; }

 private:
  void CheckUtf8(absl::string_view value, internal::ErrorContext& ctx) const;
  StringRules rules_;
  std::shared_ptr<const re2::RE2> regex_;
  absl::Status status_;
};

class BoolType {
 public:
  using Value = bool;
  void Read(simdjson::dom::element json, Value* out, internal::ErrorContext& ctx) const;
  void Check(const Value&, internal::ErrorContext&) const {}
  void Write(const Value& value, json::JsonWriter* w) const { w->Bool(value); }
  absl::Status status() const { return absl::OkStatus(); }
};

template <typename U>
class ObjectType {
 public:
  using Value = U;
  explicit ObjectType(const Model<U>& model) : model_(&model) {}
  void Read(simdjson::dom::element json, Value* out, internal::ErrorContext& ctx) const {
    simdjson::dom::object object;
    if (json.get_object().get(object) != simdjson::SUCCESS) {
      ctx.Fail("must be an object");
      return;
    }
    model_->ReadObject(object, out, ctx);
  }
  void Check(const Value& value, internal::ErrorContext& ctx) const {
    model_->CheckFields(value, ctx);
  }
  void Write(const Value& value, json::JsonWriter* w) const { model_->Write(value, w); }
  absl::Status status() const { return model_->status(); }

 private:
  const Model<U>* model_;
};

namespace internal {
void FailItems(const ArrayRules& rules, size_t size, ErrorContext& ctx);
}  // namespace internal

template <typename E>
class ArrayType {
 public:
  using Value = std::vector<typename E::Value>;
  ArrayType(E element, ArrayRules rules) : element_(std::move(element)), rules_(rules) {}

  void Read(simdjson::dom::element json, Value* out, internal::ErrorContext& ctx) const {
    simdjson::dom::array array;
    if (json.get_array().get(array) != simdjson::SUCCESS) {
      ctx.Fail("must be an array");
      return;
    }
    out->clear();
    out->reserve(array.size());
    size_t index = 0;
    for (simdjson::dom::element item : array) {
      if (ctx.full()) return;
      out->emplace_back();
      ctx.PushIndex(index++);
      if constexpr (std::is_same_v<E, IntType>) {
        ReadIntOnly(item, &out->back(), ctx);  // ranges in one batch below
      } else {
        element_.Read(item, &out->back(), ctx);
      }
      ctx.Pop();
    }
    CheckSize(out->size(), ctx);
    if constexpr (std::is_same_v<E, IntType>) CheckIntRanges(*out, ctx);
  }

  void Check(const Value& value, internal::ErrorContext& ctx) const {
    CheckSize(value.size(), ctx);
    if constexpr (std::is_same_v<E, IntType>) {
      CheckIntRanges(value, ctx);
    } else {
      for (size_t i = 0; i < value.size() && !ctx.full(); ++i) {
        ctx.PushIndex(i);
        element_.Check(value[i], ctx);
        ctx.Pop();
      }
    }
  }

  void Write(const Value& value, json::JsonWriter* w) const {
    w->StartArray();
    for (const auto& item : value) element_.Write(item, w);
    w->EndArray();
  }
  absl::Status status() const { return element_.status(); }

 private:
  void CheckSize(size_t size, internal::ErrorContext& ctx) const {
    if (size < rules_.min_items || size > rules_.max_items) {
      internal::FailItems(rules_, size, ctx);
    }
  }
  static void ReadIntOnly(simdjson::dom::element json, int64_t* out,
                          internal::ErrorContext& ctx);
  // The whole array in one SIMD pass; per-item errors only when one fails.
  void CheckIntRanges(const std::vector<int64_t>& values,
                      internal::ErrorContext& ctx) const {
    const IntRules& r = element_.rules();
    size_t i = FirstOutOfRange(values.data(), values.size(), r.min, r.max);
    for (; i < values.size() && !ctx.full(); ++i) {
      ctx.PushIndex(i);
      element_.Check(values[i], ctx);
      ctx.Pop();
    }
  }

  E element_;
  ArrayRules rules_;
};

namespace internal {
// Reads an integer without its range check (type and overflow errors only);
// false after an error.
bool ReadInt64Value(simdjson::dom::element json, int64_t* out, ErrorContext& ctx);
}  // namespace internal

template <typename E>
void ArrayType<E>::ReadIntOnly(simdjson::dom::element json, int64_t* out,
                               internal::ErrorContext& ctx) {
  internal::ReadInt64Value(json, out, ctx);
}

inline IntType Int(IntRules rules = {}) { return IntType(rules); }
inline FloatType Float(FloatRules rules = {}) { return FloatType(rules); }
inline StringType String(StringRules rules = {}) { return StringType(std::move(rules)); }
inline BoolType Bool() { return BoolType(); }
template <typename U>
ObjectType<U> Object(const Model<U>& model) {
  return ObjectType<U>(model);
}
template <typename E>
ArrayType<E> ArrayOf(E element, ArrayRules rules = {}) {
  return ArrayType<E>(std::move(element), rules);
}

template <typename T>
class Model {
 public:
  Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Declares a member `name` read into `member` as `type`. Names must be
  // unique within a model.
  template <typename Type>
  Model& Required(absl::string_view name, typename Type::Value T::*member, Type type) {
    return Add(name, member, std::move(type), true);
  }
  template <typename Type>
  Model& Optional(absl::string_view name, typename Type::Value T::*member, Type type) {
    return Add(name, member, std::move(type), false);
  }

  // Not OK when a rule could not be built (a bad pattern, a repeated name).
  absl::Status status() const {
    for (const auto& f : fields_) {
      absl::Status s = f->status();
      if (!s.ok()) return s;
    }
    return status_;
  }

  // Parses `body` with `reader` and reads it into `*out`. A body that is not
  // JSON gives one error (field "", errors.malformed()).
  Errors Parse(json::JsonReader* reader, absl::string_view body, T* out,
               size_t max_errors = Errors::kDefaultMaxErrors) const {
    Errors errors(max_errors);
    absl::StatusOr<simdjson::dom::element> root = reader->Parse(body);
    if (!root.ok()) {
      errors.set_malformed();
      errors.Add("", std::string(root.status().message()));
      return errors;
    }
    ReadInto(*root, out, &errors);
    return errors;
  }

  // Reads a parsed document (it must be an object) into `*out`, checking
  // every rule. Fields in error are left as far as they were read.
  Errors Read(simdjson::dom::element root, T* out,
              size_t max_errors = Errors::kDefaultMaxErrors) const {
    Errors errors(max_errors);
    ReadInto(root, out, &errors);
    return errors;
  }

  // Checks every rule on a struct built in code (required fields cannot be
  // missing from a struct, so only the value rules apply).
  Errors Validate(const T& value, size_t max_errors = Errors::kDefaultMaxErrors) const {
    Errors errors(max_errors);
    internal::ErrorContext ctx(&errors);
    CheckFields(value, ctx);
    return errors;
  }

  // Writes `value` as a JSON object with every declared field, in declaration
  // order.
  void Write(const T& value, json::JsonWriter* w) const {
    json::JsonWriter::Members m(w);
    char* p = m.start();
    for (const WriteStep& step : write_steps_) {
      const json::JsonWriter::Name& key = *step.key;
      switch (step.kind) {
        case WriteStep::kInt:
          p = m.Int(p, key, value.*step.int_member);
          break;
        case WriteStep::kFloat:
          p = m.Double(p, key, value.*step.float_member);
          break;
        case WriteStep::kBool:
          p = m.Bool(p, key, value.*step.bool_member);
          break;
        case WriteStep::kString: {
          const std::string& s = value.*step.string_member;
          if (step.optional && s.empty()) break;  // absent
          p = m.String(p, key, s);
          break;
        }
        case WriteStep::kOther:
          step.field->Write(value, m.Pause(p));
          p = m.Resume();
          break;
      }
    }
    m.Finish(p);
  }
  std::string ToJson(const T& value) const {
    std::string out;
    json::JsonWriter w(&out);
    Write(value, &w);
    return out;
  }

  // For ObjectType.
  void ReadObject(simdjson::dom::object object, T* out,
                  internal::ErrorContext& ctx) const {
    absl::InlinedVector<bool, 16> seen(fields_.size(), false);
    for (simdjson::dom::key_value_pair member : object) {
      if (ctx.full()) return;
      const size_t i = Find(json::ToAbsl(member.key));
      if (i == kNotFound) continue;
      const FieldBase& f = *fields_[i];
      ctx.PushKey(f.name);
      if (seen[i]) {
        ctx.Fail("duplicate field");
      } else if (member.value.is_null()) {
        if (f.required) ctx.Fail("is required");
      } else {
        f.Read(member.value, out, ctx);
      }
      seen[i] = true;
      ctx.Pop();
    }
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (!seen[i] && fields_[i]->required) {
        ctx.PushKey(fields_[i]->name);
        ctx.Fail("is required");
        ctx.Pop();
      }
    }
  }
  void CheckFields(const T& value, internal::ErrorContext& ctx) const {
    for (const auto& f : fields_) {
      if (ctx.full()) return;
      ctx.PushKey(f->name);
      f->Check(value, ctx);
      ctx.Pop();
    }
  }

 private:
  static constexpr size_t kNotFound = ~size_t{0};

  struct FieldBase {
    FieldBase(absl::string_view n, bool r) : name(n), key(n), required(r) {}
    virtual ~FieldBase() = default;
    virtual void Read(simdjson::dom::element json, T* out,
                      internal::ErrorContext& ctx) const = 0;
    virtual void Check(const T& value, internal::ErrorContext& ctx) const = 0;
    virtual void Write(const T& value, json::JsonWriter* w) const = 0;
    virtual absl::Status status() const = 0;
    std::string name;
    json::JsonWriter::Name key;  // `name` escaped once for writing
    bool required;
  };

  template <typename Type>
  struct Field final : FieldBase {
    Field(absl::string_view n, bool r, typename Type::Value T::*m, Type t)
        : FieldBase(n, r), member(m), type(std::move(t)) {}
    void Read(simdjson::dom::element json, T* out,
              internal::ErrorContext& ctx) const override {
      type.Read(json, &(out->*member), ctx);
    }
    void Check(const T& value, internal::ErrorContext& ctx) const override {
      if (Absent(value.*member)) return;
      type.Check(value.*member, ctx);
    }
    void Write(const T& value, json::JsonWriter* w) const override {
      if (Absent(value.*member)) return;
      w->Key(this->key);
      type.Write(value.*member, w);
    }
    absl::Status status() const override { return type.status(); }
    bool Absent(const typename Type::Value& v) const {
      if constexpr (requires { v.empty(); }) {
        return !this->required && v.empty();
      } else {
        return false;
      }
    }
    typename Type::Value T::*member;
    Type type;
  };

  template <typename Type>
  Model& Add(absl::string_view name, typename Type::Value T::*member, Type type,
             bool required) {
    if (Find(name) != kNotFound) {
      status_ = absl::InvalidArgumentError(
          std::string("field declared twice: ").append(name.data(), name.size()));
      return *this;
    }
    fields_.push_back(
        std::make_unique<Field<Type>>(name, required, member, std::move(type)));
    WriteStep step;
    step.field = fields_.back().get();
    step.key = &step.field->key;
    step.optional = !required;
    if constexpr (std::is_same_v<Type, IntType>) {
      step.kind = WriteStep::kInt;
      step.int_member = member;
    } else if constexpr (std::is_same_v<Type, FloatType>) {
      step.kind = WriteStep::kFloat;
      step.float_member = member;
    } else if constexpr (std::is_same_v<Type, BoolType>) {
      step.kind = WriteStep::kBool;
      step.bool_member = member;
    } else if constexpr (std::is_same_v<Type, StringType>) {
      step.kind = WriteStep::kString;
      step.string_member = member;
    } else {
      step.kind = WriteStep::kOther;
    }
    write_steps_.push_back(step);
    return *this;
  }

  void ReadInto(simdjson::dom::element root, T* out, Errors* errors) const {
    internal::ErrorContext ctx(errors);
    simdjson::dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS) {
      ctx.Fail("must be an object");
      return;
    }
    ReadObject(object, out, ctx);
  }

  size_t Find(absl::string_view name) const {
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (fields_[i]->name == name) return i;
    }
    return kNotFound;
  }

  // How Write() puts one field: scalars straight through
  // JsonWriter::Members (a switch, no virtual call), anything else (objects,
  // arrays) through the field's own Write.
  struct WriteStep {
    enum Kind : uint8_t { kInt, kFloat, kBool, kString, kOther };
    Kind kind = kOther;
    bool optional = false;
    const FieldBase* field = nullptr;
    const json::JsonWriter::Name* key = nullptr;  // field->key
    union {  // the member of the kind; none for kOther
      int64_t T::*int_member = nullptr;
      double T::*float_member;
      bool T::*bool_member;
      std::string T::*string_member;
    };
  };
  std::vector<std::unique_ptr<FieldBase>> fields_;
  std::vector<WriteStep> write_steps_;
  absl::Status status_;
};

}  // namespace hyper::validation

#endif  // HYPER_LIBS_VALIDATION_MODEL_H_
