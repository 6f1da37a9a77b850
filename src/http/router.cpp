#include "http/router.h"

namespace frugal::http {

namespace {
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t p = 1;  // paths start with '/'
  while (p <= path.size()) {
    const auto slash = path.find('/', p);
    out.push_back(path.substr(p, slash == std::string::npos ? std::string::npos : slash - p));
    if (slash == std::string::npos) break;
    p = slash + 1;
  }
  return out;
}
}  // namespace

void Router::add(std::string method, const std::string& pattern, Handler handler, RouteOptions options) {
  routes_.push_back({std::move(method), split_path(pattern), std::move(handler), options});
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match m;
  m.status = 404;
  const auto segs = split_path(path);
  const std::string& want = method == "HEAD" ? std::string("GET") : method;
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::vector<std::string> caps;
    bool ok = true;
    for (std::size_t i = 0; i < segs.size() && ok; ++i) {
      if (r.segments[i] == "*") {
        ok = !segs[i].empty();
        caps.push_back(segs[i]);
      } else {
        ok = r.segments[i] == segs[i];
      }
    }
    if (!ok) continue;
    if (r.method == want) {
      m.route = &r;
      m.status = 0;
      m.captures = std::move(caps);
      return m;
    }
    m.status = 405;
    if (m.allow.find(r.method) == std::string::npos) m.allow += (m.allow.empty() ? "" : ", ") + r.method;
  }
  return m;
}

void Router::unauthorized(Response& res) const {
  res.set(401, unauthorized_body_, unauthorized_type_);
  res.set_header("WWW-Authenticate", "Bearer");
}

}  // namespace frugal::http
