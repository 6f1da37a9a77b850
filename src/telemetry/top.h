// `frugal top`'s screen: one line per GPU with utilization and memory bars, temperature, power,
// $/hour and idle dollars, then the processes. Pure rendering of a published cycle.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "telemetry/agent.h"
#include "telemetry/history.h"

namespace frugal::telemetry {

struct TopView {
  int width = 100;                 // terminal columns
  bool color = false;              // ANSI colors (a terminal, not a pipe)
  std::string instance_type;       // shown in the header
  std::string purchase;
  double price_per_gpu_hour = 0;
  std::string price_note;          // why the price is unknown, when it is
  // Idle dollars and cost since midnight UTC from the agent's history, when a history exists.
  std::optional<std::vector<GpuUsage>> today;
};

std::string render_top(const Published& p, const TopView& view);

// "12m", "3h05m", "45s"
std::string short_duration(double seconds);

}  // namespace frugal::telemetry
