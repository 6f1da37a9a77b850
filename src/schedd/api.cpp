#include "schedd/api.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <charconv>
#include <fstream>
#include <optional>
#include <thread>

#include "core/error.h"
#include "telemetry/server.h"

namespace frugal::schedd {

bool is_loopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

std::string load_or_create_token(const std::string& path) {
  {
    std::ifstream in(path);
    std::string t;
    if (in >> t && !t.empty()) return t;
  }
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  unsigned char raw[32];
  std::ifstream rnd("/dev/urandom", std::ios::binary);
  if (!rnd.read(reinterpret_cast<char*>(raw), sizeof raw)) throw Error("cannot read /dev/urandom for the API token");
  std::string t;
  for (unsigned char c : raw) t += fmt::format("{:02x}", c);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(fmt::format("{}: cannot write the API token", path));
  const std::string line = t + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) throw Error(fmt::format("{}: cannot write the API token", path));
  return t;
}

namespace {
void json_reply(httplib::Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.set_content(j.dump() + "\n", "application/json");
}
void error_reply(httplib::Response& res, int status, const std::string& msg) {
  nlohmann::json j = {{"error", msg}};
  const auto colon = msg.find(':');
  if (colon != std::string::npos && msg.find(' ') > colon) j["field"] = msg.substr(0, colon);
  json_reply(res, status, j);
}
// Constant-time comparison, so the token cannot be guessed byte by byte from response times.
bool same(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
  return d == 0;
}
}  // namespace

struct ApiServer::Impl {
  httplib::Server server;
  std::thread thread;
};

ApiServer::ApiServer(Scheduler& sched, JobStore& store, Launcher& launcher, const std::string& listen, std::string token)
    : impl_(std::make_unique<Impl>()) {
  auto& srv = impl_->server;
  srv.set_tcp_nodelay(true);  // replies are small: do not wait for delayed ACKs
  auto authorized = [token](const httplib::Request& req, httplib::Response& res) {
    const std::string h = req.get_header_value("Authorization");
    if (h.rfind("Bearer ", 0) == 0 && same(h.substr(7), token)) return true;
    error_reply(res, 401, "authorization: a bearer token is required for this call (see the daemon's token file)");
    return false;
  };
  // Ids past int64 (a 20-digit id) are no job, not a server error.
  auto job_id = [](const httplib::Request& req) -> std::optional<std::int64_t> {
    const std::string s = req.matches[1];
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
  };
  srv.Get("/v1/health", [&sched](const httplib::Request&, httplib::Response& res) {
    json_reply(res, 200, {{"status", "ok"}, {"gpus", sched.inventory().gpus.size()}, {"inventory", sched.inventory().source}});
  });
  srv.Get("/v1/gpus", [&sched](const httplib::Request&, httplib::Response& res) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& g : sched.inventory().gpus) {
      nlohmann::json mig = nlohmann::json::array();
      for (const auto& p : g.mig) mig.push_back(p.name);
      a.push_back({{"index", g.index}, {"uuid", g.uuid}, {"name", g.name}, {"memory_mib", g.memory_mib}, {"mig_profiles", mig}});
    }
    json_reply(res, 200, a);
  });
  srv.Post("/v1/jobs", [&sched, authorized](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) return;
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return error_reply(res, 400, "body: expected JSON");
    try {
      const std::int64_t id = sched.submit(spec_from_json(body));
      json_reply(res, 201, {{"id", id}});
    } catch (const Error& e) {
      error_reply(res, 400, e.what());
    }
  });
  srv.Get("/v1/jobs", [&store](const httplib::Request& req, httplib::Response& res) {
    std::vector<State> states;
    int limit = 1000;
    try {
      if (req.has_param("state")) states.push_back(state_from(req.get_param_value("state")));
      if (req.has_param("limit")) limit = std::stoi(req.get_param_value("limit"));
    } catch (const std::exception& e) {
      return error_reply(res, 400, std::string("state: ") + e.what());
    }
    nlohmann::json a = nlohmann::json::array();
    for (const auto& j : store.list(states, limit)) a.push_back(to_json(j));
    json_reply(res, 200, a);
  });
  srv.Get(R"(/v1/jobs/(\d+))", [&store, job_id](const httplib::Request& req, httplib::Response& res) {
    const auto id = job_id(req);
    auto j = id ? store.get(*id) : std::nullopt;
    if (!j) return error_reply(res, 404, "id: no such job");
    json_reply(res, 200, to_json(*j));
  });
  srv.Post(R"(/v1/jobs/(\d+)/cancel)", [&sched, &store, authorized, job_id](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) return;
    const auto parsed = job_id(req);
    auto j = parsed ? store.get(*parsed) : std::nullopt;
    if (!j) return error_reply(res, 404, "id: no such job");
    const std::int64_t id = *parsed;
    if (!sched.cancel(id)) return error_reply(res, 409, fmt::format("id: job {} already ended ({})", id, to_string(j->state)));
    json_reply(res, 200, to_json(*store.get(id)));
  });
  srv.Get(R"(/v1/jobs/(\d+)/logs)", [&store, &launcher, job_id](const httplib::Request& req, httplib::Response& res) {
    const auto parsed = job_id(req);
    auto j = parsed ? store.get(*parsed) : std::nullopt;
    if (!j) return error_reply(res, 404, "id: no such job");
    const std::int64_t id = *parsed;
    std::ifstream f(launcher.log_path(id), std::ios::binary | std::ios::ate);
    const std::int64_t size = f ? static_cast<std::int64_t>(f.tellg()) : 0;
    std::int64_t offset = 0;
    if (req.has_param("offset")) {
      // A byte offset into the log: 0 .. its current size; anything else is the client's mistake.
      const std::string s = req.get_param_value("offset");
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), offset);
      if (ec != std::errc() || p != s.data() + s.size() || offset < 0 || offset > size) {
        return error_reply(res, 400, fmt::format("offset: expected a byte offset from 0 to the log's size {}, got '{}'", size, s));
      }
    }
    std::string data;
    if (f) {
      f.seekg(offset);
      data.assign(std::istreambuf_iterator<char>(f), {});
    }
    res.set_header("X-Next-Offset", std::to_string(offset + static_cast<std::int64_t>(data.size())));
    res.set_header("X-Job-State", to_string(j->state));
    res.set_content(data, "text/plain");
  });
  port_ = telemetry::bind_listen(srv, listen);
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
}

ApiServer::~ApiServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace frugal::schedd
