#include "telemetry/server.h"

#include <algorithm>

#include "core/time_util.h"

namespace frugal::telemetry {

http::Router metrics_router(Agent& agent, double interval_s) {
  http::Router router;
  router.add("GET", "/metrics", [&agent](const http::Request& req, http::Response& res) {
    auto p = agent.latest();
    if (!p) return res.set(503, "no sample yet\n", "text/plain; charset=utf-8");
    if (accepts_openmetrics(req.header("accept"))) {
      res.set(200, p->openmetrics_text, kOpenMetricsContentType);
    } else {
      res.set(200, p->prometheus_text, kPrometheusTextContentType);
    }
  });
  router.add("GET", "/healthz", [&agent, interval_s](const http::Request&, http::Response& res) {
    auto p = agent.latest();
    const double now = now_epoch_seconds();
    // Healthy while the last cycle is recent: three intervals, and at least five seconds.
    const bool fresh = p && now - p->time <= std::max(3 * interval_s, 5.0);
    nlohmann::json j = {{"status", fresh ? "ok" : "stale"},
                        {"last_sample_age_seconds", p ? now - p->time : -1.0},
                        {"gpus", p ? p->snapshot.gpus.size() : 0},
                        {"errors", agent.recent_errors()}};
    res.set(fresh ? 200 : 503, j.dump() + "\n", "application/json");
  });
  router.add("GET", "/api/v1/gpus", [&agent](const http::Request&, http::Response& res) {
    auto p = agent.latest();
    if (!p) return res.set(503, "{\"error\":\"no sample yet\"}\n", "application/json");
    res.set(200, published_json(*p).dump() + "\n", "application/json");
  });
  return router;
}

MetricsServer::MetricsServer(Agent& agent, const std::string& listen, double interval_s, http::Limits limits)
    : server_(std::make_unique<http::Server>(metrics_router(agent, interval_s), limits)) {
  host_ = http::parse_listen(listen).first;
  port_ = server_->bind(listen);
  server_->start();
}

MetricsServer::~MetricsServer() { server_->stop(); }

}  // namespace frugal::telemetry
