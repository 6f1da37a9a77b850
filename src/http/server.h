// frugal's HTTP/1.1 server: one thread, non-blocking sockets and poll(2), so a slow or idle
// client costs a file descriptor, never a thread, and cannot starve the others. Handlers run on
// that thread and must be quick (they read published state or a local SQLite database).
// Connections beyond Limits::max_connections first evict the longest-idle keep-alive connection;
// when none is idle the new one is refused with 503 and closed, never queued.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "http/router.h"
#include "http/session.h"

namespace frugal::http {

// "host:port" -> pair (":port" = all interfaces, "[::1]:port" = IPv6); throws Error.
std::pair<std::string, int> parse_listen(const std::string& listen);

class Server {
 public:
  explicit Server(Router router, Limits limits = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds `listen` (port 0: any free port) and returns the bound port. SO_REUSEADDR but never
  // SO_REUSEPORT, so a second server on the same port is an error, not a silent split. Throws
  // Error with the reason when it cannot bind.
  int bind(const std::string& listen);
  // Serves on a background thread until stop() or destruction.
  void start();
  void stop();
  int connections() const { return open_.load(); }

 private:
  void loop();
  Router router_;
  Limits limits_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> open_{0};
};

}  // namespace frugal::http
