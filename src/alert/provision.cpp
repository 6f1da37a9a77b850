#include "alert/provision.h"

#include <fmt/format.h>

#include <cmath>

#include "aws/client.h"
#include "aws/json_client.h"
#include "core/error.h"

namespace frugal::alert {
namespace {

constexpr int kDaySeconds = 86400;

std::vector<std::pair<std::string, std::string>> alarm_params(const ProvisionOptions& o, const std::string& topic_arn) {
  return {
      {"AlarmName", o.name},
      {"AlarmDescription", fmt::format("Daily AWS spend above ${:.2f} (frugal)", o.daily_threshold_usd)},
      {"ActionsEnabled", "true"},
      {"AlarmActions.member.1", topic_arn},
      {"EvaluationPeriods", "1"},
      {"Threshold", fmt::format("{:.2f}", o.daily_threshold_usd)},
      {"ComparisonOperator", "GreaterThanThreshold"},
      {"TreatMissingData", "notBreaching"},
      {"Metrics.member.1.Id", "m1"},
      {"Metrics.member.1.ReturnData", "false"},
      {"Metrics.member.1.MetricStat.Metric.Namespace", "AWS/Billing"},
      {"Metrics.member.1.MetricStat.Metric.MetricName", "EstimatedCharges"},
      {"Metrics.member.1.MetricStat.Metric.Dimensions.member.1.Name", "Currency"},
      {"Metrics.member.1.MetricStat.Metric.Dimensions.member.1.Value", "USD"},
      {"Metrics.member.1.MetricStat.Period", std::to_string(kDaySeconds)},
      {"Metrics.member.1.MetricStat.Stat", "Maximum"},
      {"Metrics.member.2.Id", "daily"},
      {"Metrics.member.2.Expression", "DIFF(m1)"},
      {"Metrics.member.2.Label", "Daily estimated charges (USD)"},
      {"Metrics.member.2.ReturnData", "true"},
  };
}

nlohmann::json budget_json(const ProvisionOptions& o) {
  return {{"BudgetName", o.name},
          {"BudgetLimit", {{"Amount", fmt::format("{:.2f}", o.daily_threshold_usd)}, {"Unit", "USD"}}},
          {"TimeUnit", "DAILY"},
          {"BudgetType", "COST"}};
}

nlohmann::json notification(const std::string& type) {
  return {{"NotificationType", type}, {"ComparisonOperator", "GREATER_THAN"}, {"Threshold", 100.0},
          {"ThresholdType", "PERCENTAGE"}};
}

}  // namespace

void validate(const ProvisionOptions& o) {
  if (o.kind != "alarm" && o.kind != "budget") throw Error(fmt::format("--kind: expected alarm or budget, got '{}'", o.kind));
  if (!(o.daily_threshold_usd > 0) || !std::isfinite(o.daily_threshold_usd)) {
    throw Error("--daily-threshold: expected a positive amount in USD");
  }
  const auto at = o.email.find('@');
  if (at == std::string::npos || at == 0 || o.email.find('.', at) == std::string::npos || o.email.find(' ') != std::string::npos) {
    throw Error(fmt::format("--email: expected an address like admin@company.com, got '{}'", o.email));
  }
}

// AWS publishes billing metrics (AWS/Billing EstimatedCharges) in US East (N. Virginia) only:
// "Billing metric data is stored in the US East (N. Virginia) Region and represents worldwide
// charges" (CloudWatch User Guide, "Create a billing alarm to monitor your estimated AWS charges").
constexpr const char* kBillingMetricsRegion = "us-east-1";

const char* billing_metrics_region() { return kBillingMetricsRegion; }

static void billing_region_note(const ProvisionOptions& o, const std::string& region, ProvisionResult& r) {
  if (o.kind != "alarm") return;
  r.notes.push_back(fmt::format("billing metrics exist only in {}: the alarm and its SNS topic are created there{}",
                                kBillingMetricsRegion,
                                region.empty() || region == kBillingMetricsRegion ? "" : fmt::format(", not in {}", region)));
}

ProvisionResult plan(const ProvisionOptions& o, const std::string& region) {
  validate(o);
  ProvisionResult r;
  billing_region_note(o, region, r);
  if (o.kind == "alarm") {
    r.calls.push_back({"sns", "CreateTopic", "Name=" + o.name});
    r.calls.push_back({"sns", "Subscribe", "Protocol=email Endpoint=" + o.email});
    r.calls.push_back({"monitoring", "PutMetricAlarm",
                       fmt::format("AlarmName={} DIFF(AWS/Billing EstimatedCharges Currency=USD, 1 day) > {:.2f} in {}", o.name,
                                   o.daily_threshold_usd, kBillingMetricsRegion)});
  } else {
    r.calls.push_back({"sts", "GetCallerIdentity", "account id for the budget"});
    r.calls.push_back({"budgets", "CreateBudget",
                       fmt::format("BudgetName={} COST DAILY ${:.2f}, notify {} on ACTUAL > 100% and FORECASTED > 100%",
                                   o.name, o.daily_threshold_usd, o.email)});
  }
  return r;
}

ProvisionResult provision(const ProvisionOptions& o, const aws::AwsConfig& profile_cfg) {
  validate(o);
  ProvisionResult r;
  billing_region_note(o, profile_cfg.region, r);
  // The alarm watches AWS/Billing, which only exists in us-east-1, and an alarm can only notify an
  // SNS topic of its own region: both go there, whatever region the profile names.
  aws::AwsConfig cfg = profile_cfg;
  if (o.kind == "alarm") cfg.region = kBillingMetricsRegion;
  if (o.kind == "alarm") {
    aws::AwsClient sns(cfg, "sns");
    auto topic = sns.query("CreateTopic", "2010-03-31", {{"Name", o.name}});  // idempotent by name
    const std::string arn = topic.child("CreateTopicResponse").child("CreateTopicResult").child_value("TopicArn");
    if (arn.empty()) throw Error("sns CreateTopic: no TopicArn in the response");
    r.calls.push_back({"sns", "CreateTopic", arn});
    auto subs = sns.query("ListSubscriptionsByTopic", "2010-03-31", {{"TopicArn", arn}});
    bool subscribed = false;
    for (auto m : subs.child("ListSubscriptionsByTopicResponse").child("ListSubscriptionsByTopicResult").child("Subscriptions").children("member")) {
      if (std::string(m.child_value("Protocol")) == "email" && m.child_value("Endpoint") == o.email) subscribed = true;
    }
    if (subscribed) {
      r.unchanged.push_back("subscription " + o.email);
    } else {
      sns.query("Subscribe", "2010-03-31", {{"TopicArn", arn}, {"Protocol", "email"}, {"Endpoint", o.email}});
      r.calls.push_back({"sns", "Subscribe", o.email});
      r.changed.push_back("subscription " + o.email + " (confirm it from the email AWS sends)");
    }
    aws::AwsClient cw(cfg, "monitoring");
    auto existing = cw.query("DescribeAlarms", "2010-08-01", {{"AlarmNames.member.1", o.name}});
    bool same = false;
    for (auto a : existing.child("DescribeAlarmsResponse").child("DescribeAlarmsResult").child("MetricAlarms").children("member")) {
      const double thr = std::atof(a.child_value("Threshold"));
      const std::string action = a.child("AlarmActions").child("member").child_value();
      same = std::fabs(thr - o.daily_threshold_usd) < 0.005 && action == arn;
    }
    if (same) {
      r.unchanged.push_back("alarm " + o.name);
    } else {
      cw.query("PutMetricAlarm", "2010-08-01", alarm_params(o, arn));
      r.calls.push_back({"monitoring", "PutMetricAlarm", o.name});
      r.changed.push_back(fmt::format("alarm {} (daily spend > ${:.2f})", o.name, o.daily_threshold_usd));
    }
    return r;
  }
  const std::string account = aws::account_id(cfg);
  r.calls.push_back({"sts", "GetCallerIdentity", account});
  aws::AwsClient budgets(cfg, "budgets");
  const std::string target = "AWSBudgetServiceGateway";
  bool exists = false, same = false;
  try {
    auto b = aws::json_call(budgets, target, "DescribeBudget", {{"AccountId", account}, {"BudgetName", o.name}});
    exists = true;
    const auto& lim = b["Budget"]["BudgetLimit"];
    same = std::fabs(std::stod(lim.value("Amount", "0")) - o.daily_threshold_usd) < 0.005 &&
           b["Budget"].value("TimeUnit", "") == "DAILY";
  } catch (const aws::AwsError& e) {
    if (e.code != "NotFoundException") throw;
  }
  if (same) {
    r.unchanged.push_back("budget " + o.name);
    return r;
  }
  if (exists) {
    aws::json_call(budgets, target, "UpdateBudget", {{"AccountId", account}, {"NewBudget", budget_json(o)}});
    r.calls.push_back({"budgets", "UpdateBudget", o.name});
    r.changed.push_back(fmt::format("budget {} limit ${:.2f}/day", o.name, o.daily_threshold_usd));
    return r;
  }
  nlohmann::json subs = nlohmann::json::array({{{"SubscriptionType", "EMAIL"}, {"Address", o.email}}});
  aws::json_call(budgets, target, "CreateBudget",
                 {{"AccountId", account},
                  {"Budget", budget_json(o)},
                  {"NotificationsWithSubscribers",
                   {{{"Notification", notification("ACTUAL")}, {"Subscribers", subs}},
                    {{"Notification", notification("FORECASTED")}, {"Subscribers", subs}}}}});
  r.calls.push_back({"budgets", "CreateBudget", o.name});
  r.changed.push_back(fmt::format("budget {} (${:.2f}/day, ACTUAL and FORECASTED > 100% to {})", o.name,
                                  o.daily_threshold_usd, o.email));
  return r;
}

}  // namespace frugal::alert
