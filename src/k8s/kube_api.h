// The seam to the Kubernetes API server: what the extender needs (bind a pod, annotate it, list
// pods and nodes). CurlKubeApi speaks the real REST API over HTTPS with the service account's
// bearer token and CA; tests serve the same JSON from their own loopback server.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>

namespace frugal::k8s {

class KubeApi {
 public:
  virtual ~KubeApi() = default;
  // Each throws Error with the API's status and message on failure.
  virtual void annotate(const std::string& ns, const std::string& name, const std::map<std::string, std::string>& annotations) = 0;
  virtual void bind(const std::string& ns, const std::string& name, const std::string& uid, const std::string& node) = 0;
  virtual nlohmann::json list_pods() = 0;   // a PodList
  virtual nlohmann::json list_nodes() = 0;  // a NodeList
};

struct KubeApiOptions {
  std::string server;      // "https://kubernetes.default.svc" or a test's "http://127.0.0.1:PORT"
  std::string token_file;  // bearer token; "" = none
  std::string ca_file;     // CA bundle for TLS; "" = the system's
};

// In-cluster defaults: KUBERNETES_SERVICE_HOST/PORT and /var/run/secrets/kubernetes.io/serviceaccount.
KubeApiOptions in_cluster_options();
std::unique_ptr<KubeApi> make_kube_api(const KubeApiOptions& options);

}  // namespace frugal::k8s
