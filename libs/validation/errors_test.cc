#include "libs/validation/errors.h"

#include "gtest/gtest.h"

namespace hyper::validation {
namespace {

TEST(ErrorsTest, JsonAndStatus) {
  Errors errors;
  EXPECT_TRUE(errors.ok());
  EXPECT_TRUE(errors.ToStatus().ok());
  EXPECT_EQ(ErrorsToJson(errors), R"({"errors":[]})");
  errors.Add("items[3].email", "not an email address");
  errors.Add("name\"", "is required");
  EXPECT_EQ(ErrorsToJson(errors),
            R"({"errors":[{"field":"items[3].email","message":"not an email address"},)"
            R"({"field":"name\"","message":"is required"}]})");
  EXPECT_EQ(errors.ToStatus(),
            absl::InvalidArgumentError(
                "items[3].email: not an email address; name\": is required"));
}

TEST(ErrorsTest, LimitTruncates) {
  Errors errors(2);
  errors.Add("a", "x");
  EXPECT_FALSE(errors.full());
  errors.Add("b", "x");
  EXPECT_TRUE(errors.full());
  errors.Add("c", "x");
  EXPECT_EQ(errors.size(), 2u);
  EXPECT_TRUE(errors.truncated());
  EXPECT_EQ(ErrorsToJson(errors),
            R"({"errors":[{"field":"a","message":"x"},{"field":"b","message":"x"}],)"
            R"("truncated":true})");
}

TEST(ErrorContextTest, RendersPaths) {
  Errors errors;
  internal::ErrorContext ctx(&errors);
  ctx.Fail("whole body");
  ctx.PushKey("items");
  ctx.PushIndex(3);
  ctx.PushKey("email");
  ctx.Fail("not an email address");
  ctx.Pop();
  ctx.Pop();
  ctx.Pop();
  ctx.PushIndex(0);
  ctx.PushIndex(1);
  ctx.Fail("deep");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors.list()[0], (FieldError{"", "whole body"}));
  EXPECT_EQ(errors.list()[1], (FieldError{"items[3].email", "not an email address"}));
  EXPECT_EQ(errors.list()[2], (FieldError{"[0][1]", "deep"}));
}

}  // namespace
}  // namespace hyper::validation
