#include "alert/provision.h"

#include <gtest/gtest.h>

#include "../aws/fake_environment.h"
#include "../aws/moto.h"
#include "aws/client.h"
#include "aws/json_client.h"
#include "core/error.h"

using namespace frugal;

TEST(Provision, AlarmIsCreatedThenLeftAlone) {
  if (MotoServer::find().empty()) GTEST_SKIP() << "moto_server is not installed";
  MotoServer moto;
  ASSERT_TRUE(moto.ready());
  auto cfg = test_config(moto.url());
  alert::ProvisionOptions o;
  o.daily_threshold_usd = 1000;
  o.email = "admin@company.com";
  auto first = alert::provision(o, cfg);
  EXPECT_EQ(first.changed.size(), 2u);  // subscription + alarm
  // Read the alarm back the way a user would check it.
  aws::AwsClient cw(cfg, "monitoring");
  auto d = cw.query("DescribeAlarms", "2010-08-01", {{"AlarmNames.member.1", o.name}});
  auto alarm = d.child("DescribeAlarmsResponse").child("DescribeAlarmsResult").child("MetricAlarms").child("member");
  ASSERT_TRUE(alarm);
  EXPECT_DOUBLE_EQ(std::atof(alarm.child_value("Threshold")), 1000);
  EXPECT_STREQ(alarm.child_value("ComparisonOperator"), "GreaterThanThreshold");
  EXPECT_NE(std::string(alarm.child("AlarmActions").child("member").child_value()).find(":frugal-daily-spend"), std::string::npos);
  // Running again changes nothing.
  auto second = alert::provision(o, cfg);
  EXPECT_TRUE(second.changed.empty());
  EXPECT_EQ(second.unchanged.size(), 2u);
  // A new threshold updates only the alarm.
  o.daily_threshold_usd = 1500;
  auto third = alert::provision(o, cfg);
  ASSERT_EQ(third.changed.size(), 1u);
  EXPECT_NE(third.changed[0].find("alarm"), std::string::npos);
}

TEST(Provision, BudgetIsCreatedThenLeftAlone) {
  if (MotoServer::find().empty()) GTEST_SKIP() << "moto_server is not installed";
  MotoServer moto;
  ASSERT_TRUE(moto.ready());
  auto cfg = test_config(moto.url());
  alert::ProvisionOptions o;
  o.kind = "budget";
  o.daily_threshold_usd = 250;
  o.email = "finops@company.com";
  auto first = alert::provision(o, cfg);
  ASSERT_EQ(first.changed.size(), 1u);
  aws::AwsClient budgets(cfg, "budgets");
  const auto account = aws::account_id(cfg);
  auto b = aws::json_call(budgets, "AWSBudgetServiceGateway", "DescribeBudget", {{"AccountId", account}, {"BudgetName", o.name}});
  EXPECT_EQ(b["Budget"]["TimeUnit"], "DAILY");
  EXPECT_DOUBLE_EQ(std::stod(b["Budget"]["BudgetLimit"]["Amount"].get<std::string>()), 250);
  auto n = aws::json_call(budgets, "AWSBudgetServiceGateway", "DescribeNotificationsForBudget",
                          {{"AccountId", account}, {"BudgetName", o.name}});
  EXPECT_EQ(n["Notifications"].size(), 2u);
  EXPECT_TRUE(alert::provision(o, cfg).changed.empty());
}

TEST(Provision, BadOptionsAndDryRun) {
  alert::ProvisionOptions o;
  o.daily_threshold_usd = 100;
  o.email = "not-an-email";
  EXPECT_THROW(alert::validate(o), Error);
  o.email = "a@b.co";
  o.daily_threshold_usd = -1;
  EXPECT_THROW(alert::validate(o), Error);
  o.daily_threshold_usd = 100;
  auto p = alert::plan(o, "us-east-1");
  ASSERT_EQ(p.calls.size(), 3u);
  EXPECT_EQ(p.calls[2].action, "PutMetricAlarm");
}
