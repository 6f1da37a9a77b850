// `frugal alert provision`: a billing alarm that emails someone, created the way an AWS user
// would in the console, and idempotent (a second run changes nothing).
// - kind alarm: SNS topic + email subscription + CloudWatch alarm on AWS/Billing
//   EstimatedCharges (Currency=USD). EstimatedCharges is month-to-date, so the daily threshold
//   is applied to its day-over-day increase with metric math: DIFF(m1) over 1-day periods.
// - kind budget: an AWS Budgets cost budget with a DAILY limit and two notifications (ACTUAL and
//   FORECASTED above 100%) emailed to the subscriber.
#pragma once

#include <string>
#include <vector>

#include "aws/config.h"

namespace frugal::alert {

struct ProvisionOptions {
  std::string kind = "alarm";  // alarm | budget
  double daily_threshold_usd = 0;
  std::string email;
  std::string name = "frugal-daily-spend";  // alarm / topic / budget name
};

struct PlannedCall {
  std::string service;  // sns, monitoring, budgets, sts
  std::string action;
  std::string detail;   // parameters that matter, human-readable
};

struct ProvisionResult {
  std::vector<PlannedCall> calls;  // what was (or would be) done, in order
  std::vector<std::string> changed;   // resources created or updated
  std::vector<std::string> unchanged; // resources already as asked
  std::vector<std::string> notes;     // what the user should know (where the alarm went)
};

// The only region with billing metrics (AWS/Billing): where billing alarms and their topic go.
const char* billing_metrics_region();

// Checks the options (threshold > 0, a plausible email); throws Error naming the option.
void validate(const ProvisionOptions& o);
// The write calls a run would make, without contacting AWS (--dry-run).
ProvisionResult plan(const ProvisionOptions& o, const std::string& region);
// Reads what exists, creates or updates only what differs.
ProvisionResult provision(const ProvisionOptions& o, const aws::AwsConfig& cfg);

}  // namespace frugal::alert
