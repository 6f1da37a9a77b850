#include "alert/sources.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "billing/aggregate.h"
#include "billing/cost_explorer_spend.h"
#include "billing/decimal.h"
#include "billing/inputs.h"
#include "billing/reader.h"
#include "billing/s3_inputs.h"
#include "billing/trend.h"
#include "catalog/catalog.h"
#include "core/error.h"
#include "core/temp_dir.h"
#include "core/time_util.h"
#include "telemetry/history.h"

namespace frugal::alert {

Inputs gather_inputs(const AlertConfig& c, const std::string& data_dir, const Defaults& d, double now,
                     const std::function<aws::AwsConfig()>& aws_config) {
  Inputs in;
  in.now = now;
  if (!c.sources.bills.empty()) {
    // s3:// exports are fetched into a private folder that lives while they are read.
    const TempDir downloads("frugal-alert-s3-", "the S3 download");
    const auto inputs = billing::localize_bill_inputs(c.sources.bills, downloads.path().string(), aws_config);
    const auto files = billing::expand_bill_inputs(inputs);
    if (files.empty()) throw Error(fmt::format("{}: no bill files found in [sources] bills", c.file));
    in.daily = billing::daily_gpu_spend(files, Catalog::load(data_dir));
    in.spend_source = c.sources.bills.size() == 1 && c.sources.bills[0].rfind("s3://", 0) == 0 ? c.sources.bills[0]
                      : files.size() == 1                                                       ? files[0]
                                                                                                : fmt::format("{} bill files", files.size());
  } else if (c.sources.cost_explorer) {
    // Closed days only: Cost Explorer's current day is an estimate that grows until midnight.
    const long today = static_cast<long>(now / 86400);
    const std::string start = billing::civil_from_days(today - d.cost_explorer_days), end = billing::civil_from_days(today);
    in.daily = billing::daily_gpu_spend_from_cost_explorer(aws_config(), Catalog::load(data_dir), start, end);
    in.spend_source = fmt::format("Cost Explorer, {} to {}", start, end);
  }
  if (!c.sources.agent_histories.empty()) {
    for (const auto& p : c.sources.agent_histories) {
      if (!std::filesystem::is_regular_file(p)) throw Error(fmt::format("{}: agent history '{}' not found", c.file, p));
    }
    const auto retention = telemetry::load_retention(data_dir);
    const std::vector<std::string> paths = c.sources.agent_histories;
    in.idle_dollars = [paths, retention, now](double seconds) {
      double idle = 0;
      for (const auto& p : paths) {
        telemetry::HistoryStore store(p, retention);
        for (const auto& u : store.usage(now - seconds, now)) idle += u.idle_cost;
      }
      return idle;
    };
  }
  return in;
}

}  // namespace frugal::alert
