// The test's own OpenAI-compatible streaming server, which follows a script: a delay before the
// response headers, a first-token delay, fixed inter-token delays (scheduled from the request's
// arrival, so they do not drift), HTTP errors and cut streams on every Nth request. A thread per
// connection and blocking sockets: its timing is what the script says, whatever the client does.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "aws/event_stream.h"
#include "aws/sigv4.h"

namespace frugal::testing {

struct StreamScript {
  double header_delay_s = 0;  // before the status line
  double ttft_s = 0.05;       // from the request's arrival to the first token
  double itl_s = 0.01;        // between tokens
  int fail_every = 0;         // every Nth request is answered HTTP 500
  int cut_every = 0;          // every Nth request's stream is cut after half its tokens
  bool send_usage = true;     // a final usage chunk (stream_options.include_usage)
  bool chat = false;          // chat.completion.chunk deltas instead of text
  // SageMaker InvokeEndpointWithResponseStream: checks the SigV4 signature against these
  // credentials (403 when it does not match), reads {"inputs", "parameters"}, and streams TGI
  // events as SSE lines inside AWS event-stream PayloadPart frames (odd frames sent in two pieces).
  bool sagemaker = false;
  std::string access_key = "AKIDFRUGALTEST", secret_key = "frugal-test-secret", region = "us-east-1";
  int exception_every = 0;    // every Nth SageMaker stream ends in a ModelStreamError after half its tokens
};

class ScriptedServer {
 public:
  explicit ScriptedServer(StreamScript script) : script_(script) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int yes = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 512);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~ScriptedServer() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    for (auto& t : workers_) t.join();
  }
  int port() const { return port_; }
  std::string url(const std::string& path = "/v1/completions") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() const { return served_.load(); }
  // Seconds between consecutive token sends on each stream, as the server achieved them (its own
  // scheduling jitter): the baseline a client's measured inter-token latency is compared with.
  std::vector<double> send_gaps() const {
    std::lock_guard lock(mu_);
    return gaps_;
  }

 private:
  void accept_loop() {
    for (;;) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        if (stopping_) return;
        continue;
      }
      workers_.emplace_back([this, c] { serve(c); });
    }
  }
  static bool send_all(int c, const std::string& s) {
    std::size_t at = 0;
    while (at < s.size()) {
      const ssize_t n = ::send(c, s.data() + at, s.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return false;
      at += static_cast<std::size_t>(n);
    }
    return true;
  }
  void serve(int c) {
    int one = 1;
    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::string in;
    char buf[8192];
    std::size_t head_end = std::string::npos, want = 0;
    while (head_end == std::string::npos || in.size() < head_end + 4 + want) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) {
        ::close(c);
        return;
      }
      in.append(buf, static_cast<std::size_t>(n));
      if (head_end == std::string::npos && (head_end = in.find("\r\n\r\n")) != std::string::npos) {
        std::string head = in.substr(0, head_end);
        for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        const auto cl = head.find("content-length:");
        if (cl != std::string::npos) want = std::stoul(head.substr(cl + 15));
      }
    }
    const auto arrival = std::chrono::steady_clock::now();
    const int k = ++served_;
    if (script_.sagemaker) {
      serve_sagemaker(c, in.substr(0, head_end), in.substr(head_end + 4, want), arrival, k);
      return;
    }
    const auto body = nlohmann::json::parse(in.substr(head_end + 4, want), nullptr, false);
    const int tokens = body.is_object() && body.contains("max_tokens") ? body["max_tokens"].get<int>() : 16;
    auto at = [&](double s) { std::this_thread::sleep_until(arrival + std::chrono::duration<double>(s)); };
    at(script_.header_delay_s);
    if (script_.fail_every > 0 && k % script_.fail_every == 0) {
      const std::string err = R"({"error":{"message":"scripted failure","type":"server_error"}})";
      send_all(c, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(err.size()) + "\r\nConnection: close\r\n\r\n" + err);
      ::close(c);
      return;
    }
    send_all(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n");
    const bool cut = script_.cut_every > 0 && k % script_.cut_every == 0;
    std::vector<double> gaps;
    auto last_send = std::chrono::steady_clock::now();
    for (int i = 0; i < tokens; ++i) {
      if (cut && i == tokens / 2) {
        ::close(c);
        return;
      }
      at(script_.ttft_s + script_.itl_s * i);
      nlohmann::json chunk = script_.chat
          ? nlohmann::json{{"object", "chat.completion.chunk"},
                           {"choices", {{{"index", 0}, {"delta", {{"content", " tok"}}}, {"finish_reason", nullptr}}}}}
          : nlohmann::json{{"object", "text_completion"}, {"choices", {{{"index", 0}, {"text", " tok"}, {"finish_reason", nullptr}}}}};
      if (i == tokens - 1) chunk["choices"][0]["finish_reason"] = "length";
      const std::string frame = "data: " + chunk.dump() + "\n\n";
      const auto sent = std::chrono::steady_clock::now();
      if (!send_all(c, frame)) break;
      if (i > 0) gaps.push_back(std::chrono::duration<double>(sent - last_send).count());
      last_send = sent;
    }
    {
      std::lock_guard lock(mu_);
      gaps_.insert(gaps_.end(), gaps.begin(), gaps.end());
    }
    if (script_.send_usage) {
      const nlohmann::json usage = {{"choices", nlohmann::json::array()},
                                    {"usage", {{"prompt_tokens", 100}, {"completion_tokens", tokens}, {"total_tokens", 100 + tokens}}}};
      send_all(c, "data: " + usage.dump() + "\n\n");
    }
    send_all(c, "data: [DONE]\n\n");
    ::close(c);
  }

  // Recomputes the request's SigV4 signature from what arrived: the client must sign exactly the
  // bytes and headers it sent, for service "sagemaker" in the script's region.
  std::string signature_problem(const std::string& head, const std::string& body) {
    aws::HttpRequest req;
    req.method = "POST";
    std::vector<std::pair<std::string, std::string>> hs;
    std::size_t at = head.find("\r\n");
    const std::string line = head.substr(0, at);
    const auto sp1 = line.find(' '), sp2 = line.rfind(' ');
    req.path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (req.path.rfind("/endpoints/", 0) != 0 || req.path.find("/invocations-response-stream") == std::string::npos) {
      return "unexpected path " + req.path;
    }
    std::string auth, date;
    while (at != std::string::npos && at + 2 < head.size()) {
      const std::size_t next = head.find("\r\n", at + 2);
      const std::string h = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
      at = next;
      const auto colon = h.find(':');
      std::string name = h.substr(0, colon), value = h.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      std::string lower = name;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == "authorization") auth = value;
      if (lower == "x-amz-date") date = value;
      if (lower == "host" || lower == "content-type") req.headers.emplace_back(name, value);
    }
    if (auth.empty() || date.size() != 16) return "no SigV4 Authorization / X-Amz-Date";
    std::tm tm{};
    tm.tm_year = std::stoi(date.substr(0, 4)) - 1900;
    tm.tm_mon = std::stoi(date.substr(4, 2)) - 1;
    tm.tm_mday = std::stoi(date.substr(6, 2));
    tm.tm_hour = std::stoi(date.substr(9, 2));
    tm.tm_min = std::stoi(date.substr(11, 2));
    tm.tm_sec = std::stoi(date.substr(13, 2));
    req.body = body;
    aws::SigningParams p;
    p.region = script_.region;
    p.service = "sagemaker";
    p.time = timegm(&tm);
    aws::sign_request(req, {script_.access_key, script_.secret_key, "", "test"}, p);
    const std::string* want = req.header("Authorization");
    if (!want || *want != auth) return "signature mismatch: got '" + auth + "'";
    return "";
  }

  void serve_sagemaker(int c, const std::string& head, const std::string& raw, std::chrono::steady_clock::time_point arrival, int k) {
    if (const std::string why = signature_problem(head, raw); !why.empty()) {
      const std::string err = nlohmann::json{{"message", why}}.dump();
      send_all(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(err.size()) +
                      "\r\nConnection: close\r\n\r\n" + err);
      ::close(c);
      return;
    }
    const auto body = nlohmann::json::parse(raw, nullptr, false);
    int tokens = 16;
    if (body.is_object() && body.contains("parameters") && body["parameters"].contains("max_new_tokens")) {
      tokens = body["parameters"]["max_new_tokens"].get<int>();
    }
    auto at = [&](double s) { std::this_thread::sleep_until(arrival + std::chrono::duration<double>(s)); };
    at(script_.header_delay_s);
    send_all(c, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n"
                "X-Amzn-Invoked-Production-Variant: AllTraffic\r\nConnection: close\r\n\r\n");
    const bool fail = script_.exception_every > 0 && k % script_.exception_every == 0;
    std::vector<double> gaps;
    auto last_send = std::chrono::steady_clock::now();
    for (int i = 0; i < tokens; ++i) {
      at(script_.ttft_s + script_.itl_s * i);
      if (fail && i == tokens / 2) {
        send_all(c, aws::encode_event_message({{":message-type", "exception"}, {":exception-type", "ModelStreamError"},
                                               {":content-type", "application/json"}},
                                              R"({"Message":"scripted model failure","ErrorCode":"500"})"));
        ::close(c);
        return;
      }
      nlohmann::json ev = {{"token", {{"id", 100 + i}, {"text", " tok"}, {"logprob", -0.1}, {"special", false}}},
                           {"generated_text", nullptr},
                           {"details", nullptr}};
      if (i == tokens - 1) {
        ev["generated_text"] = "tok";
        ev["details"] = {{"finish_reason", "length"}, {"generated_tokens", tokens}};
      }
      const std::string frame = aws::encode_event_message({{":event-type", "PayloadPart"}, {":content-type", "application/json"},
                                                           {":message-type", "event"}},
                                                          "data:" + ev.dump() + "\n\n");
      const auto sent = std::chrono::steady_clock::now();
      bool ok = true;
      if (i % 2 == 1) {
        ok = send_all(c, frame.substr(0, frame.size() / 2)) && send_all(c, frame.substr(frame.size() / 2));
      } else {
        ok = send_all(c, frame);
      }
      if (!ok) break;
      if (i > 0) gaps.push_back(std::chrono::duration<double>(sent - last_send).count());
      last_send = sent;
    }
    {
      std::lock_guard lock(mu_);
      gaps_.insert(gaps_.end(), gaps.begin(), gaps.end());
    }
    ::close(c);
  }

  StreamScript script_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> served_{0};
  mutable std::mutex mu_;
  std::vector<double> gaps_;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

}  // namespace frugal::testing
