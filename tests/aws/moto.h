// Starts a real moto_server (AWS service emulator) on a free loopback port for one test suite
// and stops it afterwards. Tests talk to it exactly as a user would with --endpoint-url.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>

class MotoServer {
 public:
  // moto_server from $MOTO_SERVER, $PATH or pyenv's usual places (CI may run with a bare PATH).
  static std::string find() {
    namespace fs = std::filesystem;
    if (const char* m = std::getenv("MOTO_SERVER"); m && fs::exists(m)) return m;
    std::vector<std::string> dirs;
    if (const char* path = std::getenv("PATH")) {
      std::stringstream ss(path);
      std::string d;
      while (std::getline(ss, d, ':')) dirs.push_back(d);
    }
    if (const char* home = std::getenv("HOME")) dirs.push_back(std::string(home) + "/.pyenv/shims");
    dirs.push_back("/root/.pyenv/shims");
    for (const auto& d : dirs) {
      if (fs::exists(d + "/moto_server")) return d + "/moto_server";
    }
    return "";
  }

  MotoServer() {
    const std::string exe = find();
    if (exe.empty()) return;
    port_ = free_port();
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      const std::string p = std::to_string(port_);
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      execl(exe.c_str(), "moto_server", "-H", "127.0.0.1", "-p", p.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 300 && !ready(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ~MotoServer() {
    if (pid_ > 0) {
      kill(-pid_, SIGTERM);
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool ready() const {
    if (port_ == 0) return false;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(s);
    return ok;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  static int free_port() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    const int port = ntohs(a.sin_port);
    close(s);
    return port;
  }
  int port_ = 0;
  pid_t pid_ = -1;
};
