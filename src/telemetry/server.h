// The agent's HTTP endpoint (frugal's own http::Server): GET /metrics (Prometheus text 0.0.4, or
// OpenMetrics when the Accept header prefers it), /healthz, /api/v1/gpus (JSON). Handlers read
// only the agent's last published cycle. No route takes a body or a token: the agent exposes
// read-only measurements, like node_exporter and dcgm-exporter (see docs/threat-model.md).
#pragma once

#include <memory>
#include <string>

#include "http/server.h"
#include "telemetry/agent.h"

namespace frugal::telemetry {

class MetricsServer {
 public:
  // Binds `listen` ("host:port", ":port" = all interfaces; port 0 = any free port). Throws Error
  // when the address cannot be bound. Serves on a background thread until destroyed.
  MetricsServer(Agent& agent, const std::string& listen, double interval_s, http::Limits limits = {});
  ~MetricsServer();
  int port() const { return port_; }
  std::string host() const { return host_; }

 private:
  std::unique_ptr<http::Server> server_;
  std::string host_;
  int port_ = 0;
};

// The routes alone, so tests and the fuzzer can drive them without a socket.
http::Router metrics_router(Agent& agent, double interval_s);

}  // namespace frugal::telemetry
