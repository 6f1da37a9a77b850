// The agent's HTTP endpoint (cpp-httplib): GET /metrics (Prometheus text 0.0.4, or OpenMetrics
// when the Accept header prefers it), /healthz, /api/v1/gpus (JSON). Handlers read only the
// agent's last published cycle.
#pragma once

#include <memory>
#include <string>

#include "telemetry/agent.h"

namespace httplib {
class Server;
}

namespace frugal::telemetry {

class MetricsServer {
 public:
  // Binds `listen` ("host:port", ":port" = all interfaces; port 0 = any free port). Throws Error
  // when the address cannot be bound. Serves on a background thread until destroyed.
  MetricsServer(Agent& agent, const std::string& listen, double interval_s);
  ~MetricsServer();
  int port() const { return port_; }
  std::string host() const { return host_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string host_;
  int port_ = 0;
};

// "host:port" -> pair; throws Error on a malformed address.
std::pair<std::string, int> parse_listen(const std::string& listen);
// Binds `srv` to `listen` (port 0: any free port) and returns the bound port; throws Error when
// the address cannot be bound. Shared by every frugal HTTP server.
int bind_listen(httplib::Server& srv, const std::string& listen);

}  // namespace frugal::telemetry
