#include "libs/validation/model.h"

#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/json/reader.h"
#include "libs/validation/errors.h"

namespace hyper::validation {

// gtest prints FieldError lists readably (found by ADL).
void PrintTo(const FieldError& e, std::ostream* os) {
  *os << "{\"" << e.field << "\", \"" << e.message << "\"}";
}

namespace {

struct Address {
  std::string city;
  std::string zip;
};

struct Item {
  std::string sku;
  int64_t quantity = 0;
  std::string email;
  std::vector<int64_t> sizes;
};

struct Order {
  int64_t id = 0;
  std::string email;
  double total = 0;
  bool gift = false;
  std::string status = "new";
  std::string homepage;
  Address address;
  std::vector<Item> items;
  std::vector<std::string> tags;
  std::vector<std::vector<int64_t>> grid;
};

const Model<Address>& AddressModel() {
  static const auto* model = &(*new Model<Address>())
      .Required("city", &Address::city, String({.min_length = 1, .max_length = 5}))
      .Required("zip", &Address::zip, String({.pattern = "[0-9]{5}"}));
  return *model;
}

const Model<Item>& ItemModel() {
  static const auto* model = &(*new Model<Item>())
      .Required("sku", &Item::sku, String({.min_length = 1}))
      .Required("quantity", &Item::quantity, Int({.min = 1, .max = 99}))
      .Optional("email", &Item::email, String({.format = Format::kEmail}))
      .Optional("sizes", &Item::sizes, ArrayOf(Int({.min = 0, .max = 50})));
  return *model;
}

const Model<Order>& OrderModel() {
  static const auto* model = &(*new Model<Order>())
      .Required("id", &Order::id, Int({.min = 1}))
      .Required("email", &Order::email, String({.format = Format::kEmail}))
      .Required("total", &Order::total, Float({.min = 0, .max = 1e6}))
      .Optional("gift", &Order::gift, Bool())
      .Optional("status", &Order::status,
                String({.one_of = {"new", "paid", "shipped"}}))
      .Optional("homepage", &Order::homepage, String({.format = Format::kUrl}))
      .Required("address", &Order::address, Object(AddressModel()))
      .Required("items", &Order::items,
                ArrayOf(Object(ItemModel()), {.min_items = 1, .max_items = 10}))
      .Optional("tags", &Order::tags,
                ArrayOf(String({.max_length = 3}), {.max_items = 3}))
      .Optional("grid", &Order::grid, ArrayOf(ArrayOf(Int({.max = 9}))));
  return *model;
}

std::vector<FieldError> ParseErrors(absl::string_view body, Order* order) {
  json::JsonReader reader;
  return OrderModel().Parse(&reader, body, order).list();
}

constexpr absl::string_view kGood = R"({
  "id": 42, "email": "ann@example.com", "total": 12.5, "gift": true,
  "status": "paid", "homepage": "https://ann.example.com/",
  "address": {"city": "Köln", "zip": "50667"},
  "items": [{"sku": "A1", "quantity": 2, "sizes": [1, 2, 3]},
            {"sku": "B2", "quantity": 1, "email": "b@example.org"}],
  "tags": ["x", "éé"], "grid": [[1, 2], [], [9]], "unknown": {"ignored": [1]}
})";

TEST(ModelTest, ReadsValidBody) {
  ASSERT_TRUE(OrderModel().status().ok()) << OrderModel().status();
  Order o;
  EXPECT_TRUE(ParseErrors(kGood, &o).empty());
  EXPECT_EQ(o.id, 42);
  EXPECT_EQ(o.email, "ann@example.com");
  EXPECT_EQ(o.total, 12.5);
  EXPECT_TRUE(o.gift);
  EXPECT_EQ(o.status, "paid");
  EXPECT_EQ(o.address.city, "Köln");
  ASSERT_EQ(o.items.size(), 2u);
  EXPECT_EQ(o.items[0].sizes, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(o.items[1].email, "b@example.org");
  EXPECT_EQ(o.tags, (std::vector<std::string>{"x", "éé"}));
  EXPECT_EQ(o.grid, (std::vector<std::vector<int64_t>>{{1, 2}, {}, {9}}));
  EXPECT_TRUE(OrderModel().Validate(o).ok());
}

TEST(ModelTest, CollectsEveryErrorWithPaths) {
  Order o;
  const std::vector<FieldError> errors = ParseErrors(R"({
    "id": 0, "email": "ann@@example.com", "total": "12", "gift": 1,
    "status": "lost", "homepage": "ftp://x.com",
    "address": {"city": "", "zip": "5066"},
    "items": [{"sku": "A1", "quantity": 2},
              {"sku": "", "quantity": 100, "sizes": [1, 51, -1, "x"]},
              {"quantity": 1.5},
              {"sku": "C", "quantity": 9223372036854775808},
              {"sku": "D", "quantity": 1, "email": "d@localhost"},
              "not an object"],
    "tags": ["abcd", 7, "ok", "x"], "grid": [[1], [10, 2, 11]]
  })", &o);
  const std::vector<FieldError> expected = {
      {"id", "must be >= 1"},
      {"email", "not an email address"},
      {"total", "must be a number"},
      {"gift", "must be a boolean"},
      {"status", "must be one of: new, paid, shipped"},
      {"homepage", "not an http(s) URL"},
      {"address.city", "must be at least 1 characters"},
      {"address.zip", "does not match the required pattern"},
      {"items[1].sku", "must be at least 1 characters"},
      {"items[1].quantity", "must be <= 99"},
      {"items[1].sizes[3]", "must be an integer"},
      {"items[1].sizes[1]", "must be <= 50"},
      {"items[1].sizes[2]", "must be >= 0"},
      {"items[2].quantity", "must be an integer"},
      {"items[2].sku", "is required"},
      {"items[3].quantity", "integer out of range"},
      {"items[4].email", "not an email address"},
      {"items[5]", "must be an object"},
      {"tags[0]", "must be at most 3 characters"},
      {"tags[1]", "must be a string"},
      {"tags", "must have at most 3 items"},
      {"grid[1][0]", "must be <= 9"},
      {"grid[1][2]", "must be <= 9"},
  };
  EXPECT_EQ(errors, expected);
  for (size_t i = 0; i < errors.size() && i < expected.size(); ++i) {
    EXPECT_EQ(errors[i], expected[i]) << i;
  }
}

TEST(ModelTest, MissingNullDuplicateAndWrongRoot) {
  Order o;
  EXPECT_EQ(ParseErrors(R"({"id": 1, "email": null, "homepage": null,
                            "id": 2, "items": []})", &o),
            (std::vector<FieldError>{{"email", "is required"},
                                     {"id", "duplicate field"},
                                     {"items", "must have at least 1 items"},
                                     {"total", "is required"},
                                     {"address", "is required"}}));
  EXPECT_EQ(ParseErrors("[1]", &o),
            (std::vector<FieldError>{{"", "must be an object"}}));
}

TEST(ModelTest, MalformedBodyIsOneError) {
  json::JsonReader reader(json::JsonReader::Options{.max_depth = 3});
  Order o;
  Errors errors = OrderModel().Parse(&reader, R"({"grid":[[[1]]]})", &o);
  EXPECT_TRUE(errors.malformed());
  EXPECT_EQ(errors.list(), (std::vector<FieldError>{
                               {"", "invalid JSON: nesting deeper than 3 at grid[0][0]"}}));
  errors = OrderModel().Parse(&reader, "{\"email\":\"\xff\"}", &o);
  EXPECT_TRUE(errors.malformed());
  EXPECT_EQ(errors.list(),
            (std::vector<FieldError>{{"", "invalid JSON: not valid UTF-8"}}));
}

TEST(ModelTest, ErrorLimit) {
  std::string body = R"({"tags":[)";
  for (int i = 0; i < 1000; ++i) body += i ? ",1" : "1";
  body += "]}";
  json::JsonReader reader;
  Order o;
  Errors errors = OrderModel().Parse(&reader, body, &o, 10);
  EXPECT_TRUE(errors.full());
  EXPECT_EQ(errors.size(), 10u);
  EXPECT_TRUE(errors.truncated() || errors.full());
  EXPECT_EQ(errors.list()[9].field, "tags[9]");
}

TEST(ModelTest, ValidateStructBuiltInCode) {
  Order o;
  o.id = 7;
  o.email = "not-an-email";
  o.total = -1;
  o.address = {"Paris!", "75001"};
  o.items = {{"", 1, "", {}}, {"Z", 0, "", {0, 60}}};
  o.tags = {"\xff"};
  const std::vector<FieldError> expected = {
      {"email", "not an email address"},
      {"total", "must be >= 0"},
      {"address.city", "must be at most 5 characters"},
      {"items[0].sku", "must be at least 1 characters"},
      {"items[1].quantity", "must be >= 1"},
      {"items[1].sizes[1]", "must be <= 50"},
      {"tags[0]", "must be valid UTF-8"},
  };
  EXPECT_EQ(OrderModel().Validate(o).list(), expected);
}

TEST(ModelTest, JsonRoundTrip) {
  Order o;
  ASSERT_TRUE(ParseErrors(kGood, &o).empty());
  const std::string json = OrderModel().ToJson(o);
  EXPECT_EQ(json,
            R"({"id":42,"email":"ann@example.com","total":12.5,"gift":true,)"
            R"("status":"paid","homepage":"https://ann.example.com/",)"
            R"("address":{"city":"Köln","zip":"50667"},)"
            R"("items":[{"sku":"A1","quantity":2,"sizes":[1,2,3]},)"
            R"({"sku":"B2","quantity":1,"email":"b@example.org"}],)"
            R"("tags":["x","éé"],"grid":[[1,2],[],[9]]})");
  Order again;
  json::JsonReader reader;
  EXPECT_TRUE(OrderModel().Parse(&reader, json, &again).ok());
  EXPECT_EQ(OrderModel().ToJson(again), json);
  // Present but empty is checked like any value.
  EXPECT_EQ(ParseErrors(R"({"id":1,"email":"a@b.co","total":1,"homepage":"",)"
                        R"("address":{"city":"X","zip":"12345"},)"
                        R"("items":[{"sku":"S","quantity":1}]})", &again),
            (std::vector<FieldError>{{"homepage", "not an http(s) URL"}}));
}

// Order as Model::Write should give it, through the writer's plain calls.
void WritePlain(const Item& item, json::JsonWriter& w) {
  w.StartObject();
  w.Key("sku"), w.String(item.sku);
  w.Key("quantity"), w.Int(item.quantity);
  if (!item.email.empty()) w.Key("email"), w.String(item.email);
  if (!item.sizes.empty()) {
    w.Key("sizes"), w.StartArray();
    for (int64_t s : item.sizes) w.Int(s);
    w.EndArray();
  }
  w.EndObject();
}

void WritePlain(const Order& o, json::JsonWriter& w) {
  w.StartObject();
  w.Key("id"), w.Int(o.id);
  w.Key("email"), w.String(o.email);
  w.Key("total"), w.Double(o.total);
  w.Key("gift"), w.Bool(o.gift);
  if (!o.status.empty()) w.Key("status"), w.String(o.status);
  if (!o.homepage.empty()) w.Key("homepage"), w.String(o.homepage);
  w.Key("address"), w.StartObject();
  w.Key("city"), w.String(o.address.city);
  w.Key("zip"), w.String(o.address.zip);
  w.EndObject();
  w.Key("items"), w.StartArray();
  for (const Item& item : o.items) WritePlain(item, w);
  w.EndArray();
  if (!o.tags.empty()) {
    w.Key("tags"), w.StartArray();
    for (const std::string& t : o.tags) w.String(t);
    w.EndArray();
  }
  if (!o.grid.empty()) {
    w.Key("grid"), w.StartArray();
    for (const auto& row : o.grid) {
      w.StartArray();
      for (int64_t v : row) w.Int(v);
      w.EndArray();
    }
    w.EndArray();
  }
  w.EndObject();
}

TEST(ModelTest, WriteMatchesThePlainWriterCalls) {
  std::mt19937_64 rng(5);
  const std::vector<std::string> strings = {
      "", "a", "ann@example.com", "K\xC3\xB6ln", "</script>&<b>", "tab\there \"q\" \\",
      "\x01\x1f\x7f", "\xE2\x80\xA8", "bad \xC0\xAF utf-8", std::string(600, 'x'),
      std::string(300, 'y') + "\n" + std::string(300, 'z'), "\xF0\x9F\x98\x80"};
  const double doubles[] = {0, -0.0, 12.5, 0.1, 1e21, 1.0 / 3, 87.5, -1e-7, 1e300};
  auto str = [&] { return strings[rng() % strings.size()]; };
  for (int round = 0; round < 3000; ++round) {
    Order o;
    o.id = static_cast<int64_t>(rng());
    o.email = str();
    o.total = doubles[rng() % 9];
    o.gift = rng() % 2;
    o.status = str();
    o.homepage = str();
    o.address = {str(), str()};
    for (size_t i = rng() % 4; i > 0; --i) {
      Item item{str(), static_cast<int64_t>(rng() % 200) - 100, str(), {}};
      for (size_t j = rng() % 3; j > 0; --j) item.sizes.push_back(static_cast<int64_t>(rng()));
      o.items.push_back(item);
    }
    for (size_t i = rng() % 3; i > 0; --i) o.tags.push_back(str());
    for (size_t i = rng() % 3; i > 0; --i) o.grid.push_back({static_cast<int64_t>(rng() % 9)});
    const bool script_safe = round % 2 == 1;
    std::string want, got;
    json::JsonWriter plain(&want, {.script_safe = script_safe});
    json::JsonWriter model(&got, {.script_safe = script_safe});
    plain.StartArray();
    model.StartArray();
    for (int copy = 0; copy < 2; ++copy) {  // commas between models too
      WritePlain(o, plain);
      OrderModel().Write(o, &model);
    }
    plain.EndArray();
    model.EndArray();
    ASSERT_EQ(got, want) << "round " << round;
    ASSERT_EQ(model.ok(), plain.ok()) << "round " << round;
  }
}

TEST(ModelTest, LongFieldNamesAreWritten) {
  struct S {
    int64_t n = 0;
    std::string s;
    bool b = false;
  };
  const std::string name40(40, 'n'), name700(700, 'm');
  Model<S> model;
  model.Required(name40, &S::n, Int())
      .Required(name700, &S::s, String())
      .Required("b", &S::b, Bool());
  const S value{-5, std::string(1000, 's'), true};
  std::string want;
  json::JsonWriter w(&want);
  w.StartObject();
  w.Key(name40), w.Int(-5);
  w.Key(name700), w.String(value.s);
  w.Key("b"), w.Bool(true);
  w.EndObject();
  EXPECT_EQ(model.ToJson(value), want);
}

TEST(ModelTest, BadDeclarationsAreReported) {
  struct S {
    std::string a;
  };
  Model<S> bad_pattern;
  bad_pattern.Required("a", &S::a, String({.pattern = "(unclosed"}));
  EXPECT_FALSE(bad_pattern.status().ok());
  Model<S> twice;
  twice.Required("a", &S::a, String()).Optional("a", &S::a, String());
  EXPECT_FALSE(twice.status().ok());
}

}  // namespace
}  // namespace hyper::validation
