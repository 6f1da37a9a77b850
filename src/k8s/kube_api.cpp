#include "k8s/kube_api.h"

#include <fmt/format.h>

#include <cstdlib>

#include "aws/http.h"
#include "core/error.h"
#include "core/files.h"

namespace frugal::k8s {

KubeApiOptions in_cluster_options() {
  KubeApiOptions o;
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  o.server = host ? fmt::format("https://{}:{}", host, port ? port : "443") : "https://kubernetes.default.svc";
  o.token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  o.ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  return o;
}

namespace {

std::string read_token(const std::string& path) {
  if (path.empty()) return {};
  const auto text = read_file(path);
  if (!text) throw Error(fmt::format("{}: cannot read the API token", path));
  std::string t = *text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  return t;
}

std::string segment(const std::string& s) {
  // Namespaces and names are DNS labels/subdomains: nothing to escape, but refuse anything else
  // rather than build a path from it.
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
      throw Error(fmt::format("'{}': not a Kubernetes name", s));
    }
  }
  if (s.empty()) throw Error("empty Kubernetes name");
  return s;
}

class CurlKubeApi final : public KubeApi {
 public:
  explicit CurlKubeApi(KubeApiOptions o) : o_(std::move(o)) {
    aws::HttpOptions h;
    h.connect_timeout_ms = 3000;
    h.timeout_ms = 10000;
    h.ca_file = o_.ca_file;
    http_ = aws::make_curl_transport(h);
  }

  void annotate(const std::string& ns, const std::string& name, const std::map<std::string, std::string>& annotations) override {
    nlohmann::json patch = {{"metadata", {{"annotations", annotations}}}};
    call("PATCH", fmt::format("/api/v1/namespaces/{}/pods/{}", segment(ns), segment(name)), patch.dump(),
         "application/merge-patch+json");
  }
  void bind(const std::string& ns, const std::string& name, const std::string& uid, const std::string& node) override {
    nlohmann::json b = {{"apiVersion", "v1"},
                        {"kind", "Binding"},
                        {"metadata", {{"name", name}, {"namespace", ns}}},
                        {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
    if (!uid.empty()) b["metadata"]["uid"] = uid;
    call("POST", fmt::format("/api/v1/namespaces/{}/pods/{}/binding", segment(ns), segment(name)), b.dump(), "application/json");
  }
  nlohmann::json list_pods() override { return nlohmann::json::parse(call("GET", "/api/v1/pods", "", "")); }
  nlohmann::json list_nodes() override { return nlohmann::json::parse(call("GET", "/api/v1/nodes", "", "")); }

 private:
  std::string call(const std::string& method, const std::string& path, const std::string& body, const std::string& type) {
    aws::HttpRequest req;
    req.method = method;
    req.path = path;
    req.body = body;
    req.set_header("Host", aws::url_host(o_.server));
    req.set_header("Accept", "application/json");
    if (!type.empty()) req.set_header("Content-Type", type);
    // Re-read each call: the kubelet rotates projected service-account tokens.
    if (const std::string t = read_token(o_.token_file); !t.empty()) req.set_header("Authorization", "Bearer " + t);
    const aws::HttpResponse r = http_->send(o_.server, req);
    if (r.status == 0) throw Error(fmt::format("{} {}{}: {}", method, o_.server, path, r.transport_error));
    if (r.status < 200 || r.status >= 300) {
      std::string msg = r.body.substr(0, 300);
      try {
        msg = nlohmann::json::parse(r.body).value("message", msg);
      } catch (const std::exception&) {
      }
      throw Error(fmt::format("{} {}: HTTP {}: {}", method, path, r.status, msg));
    }
    return r.body;
  }
  KubeApiOptions o_;
  std::unique_ptr<aws::HttpTransport> http_;
};

}  // namespace

std::unique_ptr<KubeApi> make_kube_api(const KubeApiOptions& options) { return std::make_unique<CurlKubeApi>(options); }

}  // namespace frugal::k8s
