#include "schedd/api.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>

#include "core/error.h"
#include "http/auth.h"

namespace frugal::schedd {

namespace {
// Bounds on what a client can make the daemon hold: a submit is a small JSON object, and a log is
// read in pages (the client follows X-Next-Offset).
constexpr std::size_t kMaxSubmitBytes = 1 << 20;
constexpr int kMaxJsonDepth = 32;
constexpr std::int64_t kMaxLogPage = 1 << 20;
constexpr int kMaxListLimit = 100000;

void json_reply(http::Response& res, int status, const nlohmann::json& j) { res.set(status, j.dump() + "\n", "application/json"); }
void error_reply(http::Response& res, int status, const std::string& msg) {
  nlohmann::json j = {{"error", msg}};
  const auto colon = msg.find(':');
  if (colon != std::string::npos && msg.find(' ') > colon) j["field"] = msg.substr(0, colon);
  json_reply(res, status, j);
}
// Constant-time comparison, so the token cannot be guessed byte by byte from response times.
// A decimal integer and nothing else; nullopt for anything else, including past int64.
std::optional<std::int64_t> integer(const std::string& s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}
struct TooDeep {};
// The job the route's "*" names; nullopt for an unknown id or one that is no int64 (404, not 500).
std::optional<Job> job_of(const http::Request& req, JobStore& store) {
  const auto id = integer(req.captures.at(0));
  return id ? store.get(*id) : std::nullopt;
}
}  // namespace

nlohmann::json parse_json_body(const std::string& body) {
  // nlohmann's parser keeps its own stack, so depth costs memory, not the call stack: a 10 MB
  // "[[[[..." would build millions of nested values. The callback stops it at kMaxJsonDepth.
  nlohmann::json::parser_callback_t limit = [](int depth, nlohmann::json::parse_event_t ev, nlohmann::json&) {
    if ((ev == nlohmann::json::parse_event_t::object_start || ev == nlohmann::json::parse_event_t::array_start) && depth >= kMaxJsonDepth) {
      throw TooDeep{};
    }
    return true;
  };
  try {
    auto j = nlohmann::json::parse(body, limit, false);
    if (j.is_discarded()) throw Error("body: expected JSON");
    return j;
  } catch (const TooDeep&) {
    throw Error(fmt::format("body: JSON nested deeper than {} levels", kMaxJsonDepth));
  }
}

http::Router api_router(Scheduler& sched, JobStore& store, Launcher& launcher, std::string token) {
  http::Router router;
  // Every route needs the token, reads too: job specs and logs are the submitter's business.
  router.set_authorizer(http::bearer_authorizer(std::move(token)));
  router.set_unauthorized_body(
      nlohmann::json({{"error", "authorization: a bearer token is required (see the daemon's token file)"}, {"field", "authorization"}}).dump() + "\n",
      "application/json");
  const http::RouteOptions read{.needs_auth = true, .max_body = 0};
  // A cancel may carry an empty JSON body; a submit up to kMaxSubmitBytes.
  const http::RouteOptions cancel{.needs_auth = true, .max_body = 4096};
  const http::RouteOptions submit{.needs_auth = true, .max_body = kMaxSubmitBytes};
  router.add("GET", "/v1/health", [&sched](const http::Request&, http::Response& res) {
    json_reply(res, 200, {{"status", "ok"}, {"gpus", sched.inventory().gpus.size()}, {"inventory", sched.inventory().source}});
  }, read);
  router.add("GET", "/v1/gpus", [&sched](const http::Request&, http::Response& res) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& g : sched.inventory().gpus) {
      nlohmann::json mig = nlohmann::json::array();
      for (const auto& p : g.mig) mig.push_back(p.name);
      a.push_back({{"index", g.index}, {"uuid", g.uuid}, {"name", g.name}, {"memory_mib", g.memory_mib}, {"mig_profiles", mig}});
    }
    json_reply(res, 200, a);
  }, read);
  router.add("POST", "/v1/jobs", [&sched](const http::Request& req, http::Response& res) {
    try {
      const std::int64_t id = sched.submit(spec_from_json(parse_json_body(req.body)));
      json_reply(res, 201, {{"id", id}});
    } catch (const Error& e) {
      error_reply(res, 400, e.what());
    }
  }, submit);
  router.add("GET", "/v1/jobs", [&store](const http::Request& req, http::Response& res) {
    std::vector<State> states;
    int limit = 1000;
    try {
      if (req.has_param("state")) states.push_back(state_from(req.param("state")));
    } catch (const std::exception& e) {
      return error_reply(res, 400, std::string("state: ") + e.what());
    }
    if (req.has_param("limit")) {
      const auto v = integer(req.param("limit"));
      if (!v || *v < 1 || *v > kMaxListLimit) return error_reply(res, 400, fmt::format("limit: expected 1 to {} jobs", kMaxListLimit));
      limit = static_cast<int>(*v);
    }
    nlohmann::json a = nlohmann::json::array();
    for (const auto& j : store.list(states, limit)) a.push_back(to_json(j));
    json_reply(res, 200, a);
  }, read);
  router.add("GET", "/v1/jobs/*", [&store](const http::Request& req, http::Response& res) {
    const auto j = job_of(req, store);
    if (!j) return error_reply(res, 404, "id: no such job");
    json_reply(res, 200, to_json(*j));
  }, read);
  router.add("POST", "/v1/jobs/*/cancel", [&sched, &store](const http::Request& req, http::Response& res) {
    const auto j = job_of(req, store);
    if (!j) return error_reply(res, 404, "id: no such job");
    const std::int64_t id = j->id;
    if (!sched.cancel(id)) return error_reply(res, 409, fmt::format("id: job {} already ended ({})", id, to_string(j->state)));
    json_reply(res, 200, to_json(*store.get(id)));
  }, cancel);
  router.add("GET", "/v1/jobs/*/logs", [&store, &launcher](const http::Request& req, http::Response& res) {
    const auto j = job_of(req, store);
    if (!j) return error_reply(res, 404, "id: no such job");
    std::ifstream f(launcher.log_path(j->id), std::ios::binary | std::ios::ate);
    const std::int64_t size = f ? static_cast<std::int64_t>(f.tellg()) : 0;
    std::int64_t offset = 0;
    if (req.has_param("offset")) {
      // A byte offset into the log: 0 .. its current size; anything else is the client's mistake.
      const std::string s = req.param("offset");
      const auto v = integer(s);
      if (!v || *v < 0 || *v > size) {
        return error_reply(res, 400, fmt::format("offset: expected a byte offset from 0 to the log's size {}, got '{}'", size, s));
      }
      offset = *v;
    }
    // One page per call, so a large log never sits whole in the daemon's memory.
    std::string data(static_cast<std::size_t>(std::min(size - offset, kMaxLogPage)), '\0');
    if (f && !data.empty()) {
      f.seekg(offset);
      f.read(data.data(), static_cast<std::streamsize>(data.size()));
      data.resize(static_cast<std::size_t>(f.gcount()));
    }
    res.set(200, std::move(data), "text/plain; charset=utf-8");
    res.set_header("X-Next-Offset", std::to_string(offset + static_cast<std::int64_t>(res.body.size())));
    res.set_header("X-Log-Size", std::to_string(size));
    res.set_header("X-Job-State", to_string(j->state));
  }, read);
  return router;
}

ApiServer::ApiServer(Scheduler& sched, JobStore& store, Launcher& launcher, const std::string& listen, std::string token,
                     http::Limits limits)
    : server_(std::make_unique<http::Server>(api_router(sched, store, launcher, std::move(token)), limits)) {
  port_ = server_->bind(listen);
  server_->start();
}

ApiServer::~ApiServer() { server_->stop(); }

}  // namespace frugal::schedd
