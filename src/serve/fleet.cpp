#include "serve/fleet.h"

#include <fmt/format.h>

#include <chrono>

#include "core/time_util.h"

namespace frugal::serve {

FleetPoller::FleetPoller(std::vector<std::string> agents, std::function<std::unique_ptr<aws::HttpTransport>()> http,
                         std::size_t history_points)
    : agents_(std::move(agents)), history_points_(history_points) {
  for (auto& a : agents_) {
    while (!a.empty() && a.back() == '/') a.pop_back();
    http_.push_back(http());
  }
}

FleetPoller::~FleetPoller() {
  stop_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void FleetPoller::poll(double now) {
  for (std::size_t i = 0; i < agents_.size(); ++i) {
    const std::string& url = agents_[i];
    aws::HttpRequest req;
    req.path = "/api/v1/gpus";
    std::string error;
    nlohmann::json body;
    try {
      req.set_header("Host", aws::url_host(url));
      req.set_header("Accept", "application/json");
      const aws::HttpResponse r = http_[i]->send(url, req);
      if (r.status == 0) {
        error = r.transport_error;
      } else if (r.status != 200) {
        error = fmt::format("HTTP {}", r.status);
      } else {
        body = nlohmann::json::parse(r.body);
        if (!body.is_object() || !body.contains("gpus") || !body["gpus"].is_array()) error = "not an agent's /api/v1/gpus";
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!error.empty()) {
      errors_[url] = error;
      continue;
    }
    errors_.erase(url);
    for (const auto& g : body["gpus"]) {
      if (!g.contains("uuid") || !g["utilization"].is_number()) continue;
      auto& ring = util_[url + "|" + g["uuid"].get<std::string>()];
      ring.emplace_back(now, g["utilization"].get<double>());
      while (ring.size() > history_points_) ring.pop_front();
    }
    latest_[url] = std::move(body);
  }
  std::lock_guard<std::mutex> lock(mu_);
  updated_ = now;
}

void FleetPoller::start(double interval_s) {
  thread_ = std::thread([this, interval_s] {
    while (!stop_) {
      poll(now_epoch_seconds());
      std::unique_lock<std::mutex> lock(wait_mu_);
      cv_.wait_for(lock, std::chrono::duration<double>(interval_s), [this] { return stop_.load(); });
    }
  });
}

namespace {
double num(const nlohmann::json& j, const char* key) { return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0; }
nlohmann::json opt(const nlohmann::json& j, const char* key) { return j.contains(key) ? j[key] : nlohmann::json(nullptr); }
}  // namespace

nlohmann::json FleetPoller::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json agents = nlohmann::json::array(), workloads = nlohmann::json::array();
  double per_hour = 0, idle_per_hour = 0, idle_dollars = 0;
  int gpus = 0, idle = 0;
  for (const auto& url : agents_) {
    nlohmann::json a = {{"url", url}, {"ok", !errors_.count(url)}, {"error", errors_.count(url) ? errors_.at(url) : ""}, {"gpus", nlohmann::json::array()}};
    auto it = latest_.find(url);
    if (it != latest_.end()) {
      for (const auto& g : it->second["gpus"]) {
        const double watched = num(g, "watched_seconds");
        const double rate = watched > 0 ? num(g, "cost_dollars") / watched * 3600 : 0;
        const bool is_idle = g.value("idle", false);
        a["gpus"].push_back({{"agent", url}, {"index", opt(g, "index")}, {"name", opt(g, "name")}, {"uuid", opt(g, "uuid")},
                             {"utilization", opt(g, "utilization")}, {"memory_used_bytes", opt(g, "memory_used_bytes")},
                             {"memory_total_bytes", opt(g, "memory_total_bytes")}, {"idle", is_idle},
                             {"cost_dollars", num(g, "cost_dollars")}, {"idle_cost_dollars", num(g, "idle_cost_dollars")},
                             {"dollars_per_hour", rate}});
        ++gpus;
        per_hour += rate;
        idle_dollars += num(g, "idle_cost_dollars");
        if (is_idle) ++idle, idle_per_hour += rate;
      }
      for (const auto& w : it->second.value("workloads", nlohmann::json::array())) {
        workloads.push_back({{"workload", opt(w, "workload")}, {"agent", url}, {"utilization", opt(w, "utilization")},
                             {"cost_dollars", num(w, "cost_dollars")}, {"idle_cost_dollars", num(w, "idle_cost_dollars")}});
      }
    }
    agents.push_back(std::move(a));
  }
  return {{"updated", updated_},
          {"agents", agents},
          {"workloads", workloads},
          {"totals", {{"gpus", gpus}, {"idle_gpus", idle}, {"dollars_per_hour", per_hour}, {"idle_dollars_per_hour", idle_per_hour},
                      {"idle_cost_dollars", idle_dollars}}}};
}

nlohmann::json FleetPoller::history() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json series = nlohmann::json::array();
  for (const auto& [url, body] : latest_) {
    for (const auto& g : body["gpus"]) {
      if (!g.contains("uuid")) continue;
      auto it = util_.find(url + "|" + g["uuid"].get<std::string>());
      if (it == util_.end()) continue;
      nlohmann::json points = nlohmann::json::array();
      for (const auto& [t, u] : it->second) points.push_back({t, u});
      series.push_back({{"key", fmt::format("{} GPU {}", url.substr(url.find("://") + 3), g.value("index", 0))}, {"agent", url},
                        {"uuid", g["uuid"]}, {"points", points}});
    }
  }
  return {{"series", series}};
}

}  // namespace frugal::serve
