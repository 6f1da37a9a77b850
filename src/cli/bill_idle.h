// The telemetry side of `frugal bill`'s opportunities: idle GPU dollars measured by `frugal agent`
// on the instances themselves (its SQLite history), over the bill's period. One history per
// instance type given (`--telemetry p4d.24xlarge=/var/lib/frugal/history.db`).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "billing/savings.h"

namespace frugal::cli {

class AgentHistoryIdle : public billing::IdleEvidence {
 public:
  // `histories`: (instance type, history file) pairs; `data_dir` for the retention settings.
  AgentHistoryIdle(std::vector<std::pair<std::string, std::string>> histories, std::string data_dir)
      : histories_(std::move(histories)), data_dir_(std::move(data_dir)) {}
  std::vector<billing::Opportunity> idle_opportunities(const billing::GpuSpend& spend) const override;

 private:
  std::vector<std::pair<std::string, std::string>> histories_;
  std::string data_dir_;
};

// "p4d.24xlarge=/path/history.db" -> pair; throws Error on anything else.
std::pair<std::string, std::string> parse_telemetry_arg(const std::string& arg);

}  // namespace frugal::cli
