#include "http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>
#include <vector>

#include "core/error.h"

namespace frugal::http {

namespace {
double steady_now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
constexpr std::size_t kReadChunk = 64 * 1024;
// Bodies larger than this leave malloc's free lists big; they are handed back to the system.
constexpr std::size_t kTrimAfterBody = 256 * 1024;
const char kBusy[] =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 66\r\nRetry-After: 1\r\n"
    "Connection: close\r\n\r\n{\"error\":\"too many connections; try again in a moment\",\"field\":\"\"}\n";

std::string peer_name(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
  }
  return fmt::format("{}:{}", host, port);
}

struct Conn {
  int fd;
  Session session;
  bool eof = false;
  std::size_t trimmed_after = 0;  // the largest body after which memory was handed back
};
}  // namespace

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

Server::Server(Router router, Limits limits) : router_(std::move(router)), limits_(limits) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw Error(fmt::format("pipe: {}", std::strerror(errno)));
}

Server::~Server() {
  stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  for (int fd : wake_) {
    if (fd >= 0) ::close(fd);
  }
}

int Server::bind(const std::string& listen) {
  const auto [host, port] = parse_listen(listen);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
    throw Error(fmt::format("--listen {}: {}", listen, gai_strerror(rc)));
  }
  std::string why = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR: a restart may rebind over TIME_WAIT. Never SO_REUSEPORT: with it a second
    // daemon binds the same port and requests split between the two.
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 128) == 0) {
      listen_fd_ = fd;
      break;
    }
    why = errno == EADDRINUSE ? "the port is in use (another agent or daemon?)"
          : errno == EADDRNOTAVAIL ? "the address is not this machine's"
                                   : std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  if (listen_fd_ < 0) throw Error(fmt::format("--listen {}: cannot bind: {}", listen, why));
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  return ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                  : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

void Server::start() {
  if (listen_fd_ < 0) throw Error("http server: bind() before start()");
  thread_ = std::thread([this] { loop(); });
}

void Server::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  const char b = 1;
  (void)!::write(wake_[1], &b, 1);
  thread_.join();
}

void Server::loop() {
  std::list<Conn> conns;
  std::vector<pollfd> fds;
  std::vector<Conn*> order;
  std::vector<char> buf(kReadChunk);
  auto close_conn = [&](std::list<Conn>::iterator it) {
    ::close(it->fd);
    --open_;
    return conns.erase(it);
  };
  while (!stopping_) {
    const double now = steady_now();
    double next = now + 1.0;
    fds.clear();
    order.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (auto& c : conns) {
      short ev = 0;
      if (c.session.read_budget() > 0 && !c.eof) ev |= POLLIN;
      if (!c.session.output().empty()) ev |= POLLOUT;
      fds.push_back({c.fd, ev, 0});
      order.push_back(&c);
      next = std::min(next, c.session.deadline());
    }
    const int wait_ms = static_cast<int>(std::clamp((next - now) * 1000.0 + 1.0, 0.0, 1000.0));
    if (::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) break;
    if (stopping_) break;
    const double t = steady_now();
    // Connections first, so the ones already accepted are served before new ones are let in.
    std::size_t trimmed_body = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
      Conn& c = *order[i];
      const short re = fds[i + 2].revents;
      if (re & POLLIN) {
        // At most a few chunks per connection per pass, so one fast sender cannot hog the loop.
        for (int k = 0; k < 4 && c.session.read_budget() > 0; ++k) {
          const std::size_t want = std::min(buf.size(), c.session.read_budget());
          const ssize_t n = ::recv(c.fd, buf.data(), want, 0);
          if (n > 0) {
            c.session.on_input(std::string_view(buf.data(), static_cast<std::size_t>(n)), t);
            if (static_cast<std::size_t>(n) < want) break;
          } else if (n == 0) {
            c.eof = true;
            c.session.on_eof(t);
            break;
          } else {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) c.eof = true, c.session.on_eof(t);
            break;
          }
        }
      } else if (re & (POLLERR | POLLHUP | POLLNVAL)) {
        c.eof = true;
        c.session.on_eof(t);
      }
      while (!c.session.output().empty()) {
        const ssize_t n = ::send(c.fd, c.session.output().data(), c.session.output().size(), MSG_NOSIGNAL);
        if (n > 0) {
          c.session.on_output_sent(static_cast<std::size_t>(n), t);
        } else {
          if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) c.eof = true, c.session.output().clear();
          break;
        }
      }
      if (c.session.deadline() <= t) c.session.on_timeout(t);
      if (c.session.largest_body() > c.trimmed_after) {
        trimmed_body = std::max(trimmed_body, c.session.largest_body());
        c.trimmed_after = c.session.largest_body();
      }
    }
    for (auto it = conns.begin(); it != conns.end();) {
      // Timed-out or finished connections may still have a last response to flush.
      if (!it->session.output().empty() && !it->eof) {
        const ssize_t n = ::send(it->fd, it->session.output().data(), it->session.output().size(), MSG_NOSIGNAL);
        if (n > 0) it->session.on_output_sent(static_cast<std::size_t>(n), t);
      }
      const bool done = it->session.output().empty() && (it->session.closing() || it->eof);
      it = done ? close_conn(it) : std::next(it);
    }
    if (trimmed_body > kTrimAfterBody) ::malloc_trim(0);
    if (fds[0].revents & POLLIN) {
      char drain[16];
      while (::read(wake_[0], drain, sizeof drain) > 0) {
      }
    }
    if (fds[1].revents & POLLIN) {
      for (;;) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        if (static_cast<int>(conns.size()) >= limits_.max_connections) {
          // Full: make room by closing the longest-idle keep-alive connection, else refuse.
          auto victim = conns.end();
          for (auto it = conns.begin(); it != conns.end(); ++it) {
            if (it->session.idle() && (victim == conns.end() || it->session.deadline() < victim->session.deadline())) victim = it;
          }
          if (victim == conns.end()) {
            (void)!::send(fd, kBusy, sizeof kBusy - 1, MSG_NOSIGNAL);
            ::close(fd);
            continue;
          }
          close_conn(victim);
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // replies are small
        conns.push_back(Conn{fd, Session(router_, limits_, t, peer_name(ss)), false, 0});
        ++open_;
      }
    }
  }
  for (auto it = conns.begin(); it != conns.end();) it = close_conn(it);
}

}  // namespace frugal::http
