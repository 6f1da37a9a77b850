#include "k8s/routes.h"

#include "core/error.h"
#include "schedd/api.h"

namespace frugal::k8s {

namespace {

void reply(http::Response& res, int status, const nlohmann::json& j) { res.set(status, j.dump() + "\n", "application/json"); }

}  // namespace

http::Router extender_router(Extender& ext) {
  http::Router r;
  const http::RouteOptions body{.needs_auth = false, .max_body = kMaxExtenderBody};
  // A malformed body is the caller's error (400); a pod frugal cannot place is an answer (200
  // with Error or FailedNodes), which kube-scheduler shows in the pod's events.
  auto verb = [&r, &ext, body](const char* path, nlohmann::json (Extender::*fn)(const nlohmann::json&)) {
    r.add("POST", path, [&ext, fn](const http::Request& req, http::Response& res) {
      try {
        reply(res, 200, (ext.*fn)(schedd::parse_json_body(req.body)));
      } catch (const Error& e) {
        reply(res, 400, {{"Error", std::string("frugal: ") + e.what()}});
      } catch (const nlohmann::json::exception& e) {  // a field of the wrong type in the arguments
        reply(res, 400, {{"Error", std::string("frugal: arguments: ") + e.what()}});
      }
    }, body);
  };
  verb("/filter", &Extender::filter);
  verb("/prioritize", &Extender::prioritize);
  verb("/bind", &Extender::bind);
  r.add("GET", "/state", [&ext](const http::Request&, http::Response& res) { reply(res, 200, ext.state()); });
  r.add("GET", "/healthz", [&ext](const http::Request&, http::Response& res) {
    reply(res, 200, {{"status", "ok"}, {"gpu_capacity_milli", ext.capacity_milli()}, {"gpu_allocated_milli", ext.allocated_milli()}});
  });
  return r;
}

}  // namespace frugal::k8s
