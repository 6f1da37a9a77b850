// Which handler serves a request: routes by method and path pattern, where "*" matches one path
// segment (its text goes to Request::captures). Each route says whether it needs the bearer token
// and how large a body it takes; both are checked on the request head, before any body is read.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "http/message.h"

namespace frugal::http {

using Handler = std::function<void(const Request&, Response&)>;

struct RouteOptions {
  bool needs_auth = false;
  std::size_t max_body = 0;  // bytes; 0 = the route takes no body (any body is 413)
};

struct Route {
  std::string method;
  std::vector<std::string> segments;  // the pattern split at '/', "*" = any one segment
  Handler handler;
  RouteOptions options;
};

class Router {
 public:
  void add(std::string method, const std::string& pattern, Handler handler, RouteOptions options = {});
  // Decides whether a request head may use a route with needs_auth. Without one, every such
  // route is refused (fail closed).
  void set_authorizer(std::function<bool(const Request&)> authorizer) { authorizer_ = std::move(authorizer); }
  // The JSON (or text) body sent with a 401, so each server can say where its token is.
  void set_unauthorized_body(std::string body, std::string content_type) {
    unauthorized_body_ = std::move(body), unauthorized_type_ = std::move(content_type);
  }

  struct Match {
    const Route* route = nullptr;
    int status = 0;  // when no route: 404, or 405 (the path exists for other methods)
    std::string allow;  // 405: the methods the path takes
    std::vector<std::string> captures;
  };
  // HEAD is served by the GET route.
  Match match(const std::string& method, const std::string& path) const;
  bool authorized(const Request& req) const { return authorizer_ && authorizer_(req); }
  void unauthorized(Response& res) const;

 private:
  std::vector<Route> routes_;
  std::function<bool(const Request&)> authorizer_;
  std::string unauthorized_body_ = "authorization required\n", unauthorized_type_ = "text/plain; charset=utf-8";
};

}  // namespace frugal::http
