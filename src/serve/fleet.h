// The fleet as `frugal serve` sees it: every agent's /api/v1/gpus polled on a background thread,
// the latest answer of each kept, and each GPU's utilisation and memory over the last hour (in
// memory; the agents' SQLite histories hold the long view).
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aws/http.h"

namespace frugal::serve {

class FleetPoller {
 public:
  // `agents`: base URLs ("http://gpu-node-1:9401"). `history_points`: samples kept per GPU.
  FleetPoller(std::vector<std::string> agents, std::function<std::unique_ptr<aws::HttpTransport>()> http, std::size_t history_points);
  ~FleetPoller();

  // One round of GET /api/v1/gpus on every agent, at time `now` (unix seconds).
  void poll(double now);
  // poll() every `interval_s` on a background thread until destroyed.
  void start(double interval_s);

  // {"updated", "agents": [{"url", "ok", "error", "gpus": [...]}], "totals": {...}, "workloads": [...]}.
  // Each GPU row: agent, index, name, uuid, utilization, memory_used_bytes, memory_total_bytes,
  // idle, cost_dollars, idle_cost_dollars, dollars_per_hour (its cost over the time watched).
  nlohmann::json snapshot() const;
  // {"series": [{"key": "AGENT GPU i", "agent", "uuid", "points": [[t, utilization], ...]}]}.
  nlohmann::json history() const;

 private:
  std::vector<std::string> agents_;
  std::vector<std::unique_ptr<aws::HttpTransport>> http_;  // one per agent: connections reused
  std::size_t history_points_;
  mutable std::mutex mu_;
  double updated_ = 0;
  std::map<std::string, nlohmann::json> latest_;  // agent -> its last good /api/v1/gpus
  std::map<std::string, std::string> errors_;     // agent -> why the last poll failed
  std::map<std::string, std::deque<std::pair<double, double>>> util_;  // "agent|uuid" -> (t, util)
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::condition_variable cv_;
  std::mutex wait_mu_;
};

}  // namespace frugal::serve
