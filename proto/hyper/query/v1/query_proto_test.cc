// The query API's messages survive the wire, oneofs and maps included.
#include <string>

#include "gtest/gtest.h"
#include "proto/hyper/query/v1/query.pb.h"

namespace hyper::query::v1 {
namespace {

TEST(QueryProtoTest, NestedFilterAndRelatedRowsRoundTrip) {
  QueryRequest request;
  request.set_model("posts");
  FilterList* all = request.mutable_filter()->mutable_all();
  Condition* c = all->add_filters()->mutable_condition();
  c->set_field("author__team__name");
  c->set_lookup(ICONTAINS);
  c->mutable_value()->set_text_value("héllo");
  all->add_filters()->mutable_not_()->mutable_condition()->set_field("deleted");
  request.add_select_related("author__team");

  QueryRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(request.SerializeAsString()));
  ASSERT_EQ(parsed.filter().all().filters_size(), 2);
  EXPECT_EQ(parsed.filter().all().filters(0).condition().value().text_value(), "héllo");
  EXPECT_TRUE(parsed.filter().all().filters(1).has_not_());
  EXPECT_EQ(parsed.select_related(0), "author__team");

  Row row;
  row.add_values()->set_null(true);
  (*row.mutable_related())["author"].add_values()->set_int_value(7);
  Row back;
  ASSERT_TRUE(back.ParseFromString(row.SerializeAsString()));
  EXPECT_EQ(back.values(0).kind_case(), Value::kNull);
  EXPECT_EQ(back.related().at("author").values(0).int_value(), 7);
}

}  // namespace
}  // namespace hyper::query::v1
