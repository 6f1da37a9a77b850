// `frugal sched extender`: a kube-scheduler extender (the HTTP JSON extender protocol: filter,
// prioritize, bind) that places GPU pods with frugal's placement policies, the same code as
// `frugal simulate`. It keeps each node's GPU state from the pods it bound and rebuilds it from the
// pods' frugal.dev/assigned-* annotations (after a restart, and at each resync).
//
// Protocol (k8s.io/kube-scheduler/extender/v1): filter takes ExtenderArgs {Pod, Nodes |
// NodeNames} and answers ExtenderFilterResult {NodeNames, FailedNodes, FailedAndUnresolvableNodes,
// Error}; prioritize answers a HostPriorityList [{Host, Score}] (0..10); bind takes
// ExtenderBindingArgs {PodName, PodNamespace, PodUID, Node} and answers ExtenderBindingResult
// {Error}. Pods that ask for no GPU pass every node and are not bound here (unless
// manage_cpu_pods).
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "k8s/kube_api.h"
#include "k8s/pod.h"
#include "sched/policy.h"

namespace frugal::k8s {

struct ExtenderOptions {
  std::string policy = "frugal";
  std::uint64_t seed = 0;  // tie-breaking, as the simulator seeds it (seed ^ 0x5DEECE66D)
  // true: filter passes only the node the policy chose, so the placement is the policy's whatever
  // kube-scheduler's own scores say. false: every feasible node passes and prioritize ranks them.
  bool choose = true;
  std::size_t max_pending = 10000;  // filter decisions kept for bind
  // true: pods without GPUs are placed and bound here too, so their CPU and memory count on the
  // GPU nodes (GPU nodes that also run CPU pods; the simulator's model). false: they pass.
  bool manage_cpu_pods = false;
};

struct Assignment {
  std::string node;
  std::vector<int> gpus;
  sched::Task task;
};

class Extender {
 public:
  // `cluster`: the GPU nodes (from the API or a node list). `workload`: task shapes the fgd and
  // frugal policies learn from. `api`: null = bind only in frugal's state (tests, dry runs).
  Extender(sched::Cluster cluster, const std::vector<sched::Task>& workload, ExtenderOptions options, KubeApi* api);

  nlohmann::json filter(const nlohmann::json& args);
  nlohmann::json prioritize(const nlohmann::json& args);
  nlohmann::json bind(const nlohmann::json& args);

  // Replaces the GPU state with what the annotated, non-terminal pods in `pods` (a PodList's
  // items) hold. Returns how many pods were restored.
  int rebuild(const nlohmann::json& pods);
  // GET /state: nodes with their GPUs' free milli, bound pods.
  nlohmann::json state() const;

  std::int64_t allocated_milli() const;
  std::int64_t capacity_milli() const;

 private:
  struct Decision {
    sched::Placement where;
    sched::Task task;
  };
  PodRequest request_of(const nlohmann::json& pod) const;
  std::vector<std::string> node_names(const nlohmann::json& args) const;
  int node_index(const std::string& name) const;
  std::string reason(const sched::Node& n, const sched::Task& t) const;

  mutable std::mutex mu_;
  sched::Cluster cluster_;
  std::unique_ptr<sched::Policy> policy_;
  sched::Rng rng_;
  ExtenderOptions options_;
  KubeApi* api_;
  std::map<std::string, int> index_;              // node name -> index
  std::map<std::string, Decision> pending_;       // pod key -> filter's decision
  std::vector<std::string> pending_order_;
  std::map<std::string, Assignment> bound_;       // pod key -> where it runs
};

// Nodes with GPUs from a Kubernetes NodeList: allocatable cpu, memory and nvidia.com/gpu, the
// model from the nvidia.com/gpu.product label (GPU feature discovery), else "gpu".
sched::Cluster cluster_from_nodes(const nlohmann::json& node_list);

}  // namespace frugal::k8s
