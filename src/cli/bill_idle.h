// The telemetry side of `frugal bill`'s opportunities: idle GPU dollars measured by `frugal agent`
// on the instances themselves (its SQLite history), over the bill's period. A history recorded on
// EC2 knows its instance id (`--telemetry /var/lib/frugal/history.db`): it is joined to that
// instance's lines in the bill, and its idle GPU-hours are priced at what the bill charged for the
// instance (spot, savings plan and all). `--telemetry p4d.24xlarge=history.db` names the type
// instead, priced at the agent's own rate.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "billing/savings.h"

namespace frugal::cli {

class AgentHistoryIdle : public billing::IdleEvidence {
 public:
  // `histories`: (instance type, history file) pairs, the type empty for a join by instance id;
  // `data_dir` for the retention settings.
  AgentHistoryIdle(std::vector<std::pair<std::string, std::string>> histories, std::string data_dir)
      : histories_(std::move(histories)), data_dir_(std::move(data_dir)) {}
  std::vector<billing::Opportunity> idle_opportunities(const billing::GpuSpend& spend) const override;

 private:
  std::vector<std::pair<std::string, std::string>> histories_;
  std::string data_dir_;
};

// The instance ids the histories joined by id were recorded on (their `host` facts).
std::vector<std::string> history_instance_ids(const std::vector<std::pair<std::string, std::string>>& histories, const std::string& data_dir);

// "p4d.24xlarge=/path/history.db" -> pair; "/path/history.db" -> ("", path); throws Error when the
// file is missing.
std::pair<std::string, std::string> parse_telemetry_arg(const std::string& arg);

}  // namespace frugal::cli
