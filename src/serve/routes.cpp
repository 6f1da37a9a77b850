#include "serve/routes.h"

#include "http/auth.h"
#include "serve/assets.h"

namespace frugal::serve {

namespace {
void json_reply(http::Response& res, const nlohmann::json& j) {
  res.set(200, j.dump() + "\n", "application/json");
  res.set_header("Cache-Control", "no-store");
}
}  // namespace

http::RouteOptions api_route_options(const std::string& token) { return {.needs_auth = !token.empty(), .max_body = 0}; }

http::Router dashboard_router(FleetPoller& fleet, nlohmann::json bill, const std::string& token) {
  http::Router router;
  if (!token.empty()) router.set_authorizer(http::bearer_authorizer(token));
  router.set_unauthorized_body("{\"error\":\"authorization: open the dashboard with ?token=<the token file's contents>\"}\n",
                               "application/json");
  for (const Asset& a : embedded_assets()) {
    const std::string path = a.path;
    auto serve = [&a](const http::Request&, http::Response& res) {
      res.set(200, std::string(reinterpret_cast<const char*>(a.data), a.size), a.content_type);
      // Hashed asset names never change content; the page itself is revalidated.
      res.set_header("Cache-Control", std::string(a.path) == "/index.html" ? "no-cache" : "public, max-age=31536000, immutable");
      res.set_header("X-Content-Type-Options", "nosniff");
    };
    router.add("GET", path, serve);
    if (path == "/index.html") router.add("GET", "/", serve);
  }
  const http::RouteOptions api = api_route_options(token);
  router.add("GET", "/api/v1/fleet", [&fleet](const http::Request&, http::Response& res) { json_reply(res, fleet.snapshot()); }, api);
  router.add("GET", "/api/v1/fleet/history", [&fleet](const http::Request&, http::Response& res) { json_reply(res, fleet.history()); }, api);
  router.add("GET", "/api/v1/bill", [bill = std::move(bill)](const http::Request&, http::Response& res) { json_reply(res, bill); }, api);
  return router;
}

}  // namespace frugal::serve
