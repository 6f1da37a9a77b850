// One `frugal alert run`: evaluate the rules, record what changed (state + outbox in one
// transaction), then deliver every queued notification with bounded retries. A notification that
// still fails stays queued for the next run.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alert/config.h"
#include "alert/evaluate.h"
#include "alert/notify.h"
#include "alert/state.h"

namespace frugal::alert {

struct RunOptions {
  double now = 0;
  bool dry_run = false;  // evaluate and show; write nothing, send nothing
  std::function<void(double)> sleep;  // between retries
};

struct Delivery {
  std::string notifier, event, rule, key;
  bool ok = false;
  int attempts = 0;       // this run
  std::string error;      // the last one, when not ok
};

struct RunReport {
  std::vector<Finding> findings;
  std::vector<Transition> transitions;
  std::vector<Delivery> deliveries;
  std::vector<std::string> notes;
  std::size_t still_queued = 0;  // notifications left for the next run
};

RunReport run_once(const AlertConfig& c, const Inputs& in, const Defaults& d, const billing::AnomalySettings& anomaly, AlertState& state,
                   const std::map<std::string, std::unique_ptr<Notifier>>& notifiers, const RunOptions& o);

}  // namespace frugal::alert
