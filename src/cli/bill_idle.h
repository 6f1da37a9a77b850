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

// One --telemetry history: named by type ("p4d.24xlarge=DB"), or joined by the instance id the
// agent recorded in it ("DB").
struct TelemetryHistory {
  std::string path;
  std::string type;         // given, or the type the agent recorded (joined histories)
  std::string instance_id;  // joined histories only
};

// Parses the --telemetry arguments and reads each joined history's host facts, before the bill is
// read: a missing file, or a history without an instance id, fails at once.
std::vector<TelemetryHistory> open_telemetry_histories(const std::vector<std::string>& args, const std::string& data_dir);

class AgentHistoryIdle : public billing::IdleEvidence {
 public:
  // `data_dir` for the retention settings.
  AgentHistoryIdle(std::vector<TelemetryHistory> histories, std::string data_dir)
      : histories_(std::move(histories)), data_dir_(std::move(data_dir)) {}
  std::vector<billing::Opportunity> idle_opportunities(const billing::GpuSpend& spend) const override;

 private:
  std::vector<TelemetryHistory> histories_;
  std::string data_dir_;
};

}  // namespace frugal::cli
