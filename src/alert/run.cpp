#include "alert/run.h"

#include <fmt/format.h>

#include "core/error.h"

namespace frugal::alert {

RunReport run_once(const AlertConfig& c, const Inputs& in, const Defaults& d, const billing::AnomalySettings& anomaly, AlertState& state,
                   const std::map<std::string, std::unique_ptr<Notifier>>& notifiers, const RunOptions& o) {
  RunReport r;
  r.findings = evaluate(c, in, d, anomaly);
  std::vector<std::string> names;
  for (const auto& n : c.notifiers) names.push_back(n.name);
  r.transitions = state.apply(r.findings, names, o.now, o.dry_run);
  if (o.dry_run) {
    r.still_queued = state.pending().size();
    r.notes.push_back("dry run: nothing recorded, nothing sent");
    return r;
  }
  std::size_t orphaned = 0;
  for (const OutboxEntry& e : state.pending()) {
    auto it = notifiers.find(e.notifier);
    if (it == notifiers.end()) {
      ++orphaned;  // its notifier left the rules file: kept, in case it comes back
      continue;
    }
    Delivery dl{e.notifier, e.event, e.alert.rule, e.alert.key, false, 0, ""};
    double wait = d.retry_backoff_seconds;
    for (int attempt = 1; attempt <= d.attempts_per_run; ++attempt) {
      dl.attempts = attempt;
      try {
        it->second->send(e.event, e.alert, o.now);
        dl.ok = true;
        break;
      } catch (const Error& err) {
        dl.error = err.what();
      }
      if (attempt < d.attempts_per_run && o.sleep) {
        o.sleep(wait);
        wait *= 2;
      }
    }
    if (dl.ok) {
      state.delivered(e.id);
    } else {
      state.failed(e.id, dl.error);
      ++r.still_queued;
    }
    r.deliveries.push_back(dl);
  }
  r.still_queued += orphaned;
  if (orphaned)
    r.notes.push_back(fmt::format("{} notifications are queued for notifiers no longer in {}; they are kept until one by that name returns",
                                  orphaned, c.file));
  const auto firing = state.firing();
  for (const auto& [name, n] : notifiers) {
    try {
      n->refresh(firing, o.now);
    } catch (const Error& err) {
      r.notes.push_back(fmt::format("{}: re-sending {} firing alerts failed (retried next run): {}", name, firing.size(), err.what()));
    }
  }
  return r;
}

}  // namespace frugal::alert
