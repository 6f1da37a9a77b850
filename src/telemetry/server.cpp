#include "telemetry/server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <thread>

#include "core/error.h"
#include "core/time_util.h"

namespace frugal::telemetry {

std::pair<std::string, int> parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw Error(fmt::format("--listen '{}': expected HOST:PORT or :PORT", listen));
  std::string host = listen.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) throw Error(fmt::format("--listen '{}': port must be 0-65535", listen));
  return {host, port};
}

int bind_listen(httplib::Server& srv, const std::string& listen) {
  const auto [host, port] = parse_listen(listen);
  // SO_REUSEADDR (a restart may rebind over TIME_WAIT) but never SO_REUSEPORT, cpp-httplib's
  // default: with it a second daemon binds the same port and requests split between the two.
  srv.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof yes);
  });
  if (port == 0) {
    const int bound = srv.bind_to_any_port(host);
    if (bound < 0) throw Error(fmt::format("--listen {}: cannot bind", listen));
    return bound;
  }
  if (!srv.bind_to_port(host, port)) {
    throw Error(fmt::format("--listen {}: cannot bind: the port is in use (another agent or daemon?) or the address is not this machine's", listen));
  }
  return port;
}

struct MetricsServer::Impl {
  httplib::Server server;
  std::thread thread;
};

MetricsServer::MetricsServer(Agent& agent, const std::string& listen, double interval_s)
    : impl_(std::make_unique<Impl>()) {
  host_ = parse_listen(listen).first;
  auto& srv = impl_->server;
  srv.Get("/metrics", [&agent](const httplib::Request& req, httplib::Response& res) {
    auto p = agent.latest();
    if (!p) {
      res.status = 503;
      res.set_content("no sample yet\n", "text/plain");
      return;
    }
    if (accepts_openmetrics(req.get_header_value("Accept"))) {
      res.set_content(p->openmetrics_text, kOpenMetricsContentType);
    } else {
      res.set_content(p->prometheus_text, kPrometheusTextContentType);
    }
  });
  srv.Get("/healthz", [&agent, interval_s](const httplib::Request&, httplib::Response& res) {
    auto p = agent.latest();
    const double now = now_epoch_seconds();
    // Healthy while the last cycle is recent: three intervals, and at least five seconds.
    const bool fresh = p && now - p->time <= std::max(3 * interval_s, 5.0);
    nlohmann::json j = {{"status", fresh ? "ok" : "stale"},
                        {"last_sample_age_seconds", p ? now - p->time : -1.0},
                        {"gpus", p ? p->snapshot.gpus.size() : 0},
                        {"errors", agent.recent_errors()}};
    res.status = fresh ? 200 : 503;
    res.set_content(j.dump() + "\n", "application/json");
  });
  srv.Get("/api/v1/gpus", [&agent](const httplib::Request&, httplib::Response& res) {
    auto p = agent.latest();
    if (!p) {
      res.status = 503;
      res.set_content("{\"error\":\"no sample yet\"}\n", "application/json");
      return;
    }
    res.set_content(published_json(*p).dump() + "\n", "application/json");
  });
  port_ = bind_listen(srv, listen);
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
}

MetricsServer::~MetricsServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace frugal::telemetry
