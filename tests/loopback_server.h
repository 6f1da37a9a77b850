// A test's own HTTP server (cpp-httplib) on a free loopback port. Register routes on `server`,
// then call start(); the destructor stops it.
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

struct LoopbackServer {
  httplib::Server server;
  std::thread thread;
  int port = 0;

  void start() {
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    for (int i = 0; i < 200 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~LoopbackServer() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};
