#include "k8s/extender.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"

namespace frugal::k8s {

namespace {

// Go's encoding/json matches field names case-insensitively; kube-scheduler sends "Pod",
// "NodeNames" (no json tags on the extender types), other clients may send "pod".
const nlohmann::json* field(const nlohmann::json& j, const char* upper, const char* lower) {
  if (!j.is_object()) return nullptr;
  if (auto it = j.find(upper); it != j.end() && !it->is_null()) return &*it;
  if (auto it = j.find(lower); it != j.end() && !it->is_null()) return &*it;
  return nullptr;
}

std::string join(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

// "1g.10gb" -> 1000 * 1/7: a MIG slice as the share of a GPU's 7 compute slices it takes.
int mig_milli(const std::string& profile) {
  const int g = std::atoi(profile.c_str());
  if (g < 1 || g > 7 || profile.find("g.") == std::string::npos) {
    throw Error(fmt::format("MIG profile '{}': expected Ng.Mgb such as 1g.10gb", profile));
  }
  return static_cast<int>(std::lround(1000.0 * g / 7));
}

}  // namespace

Extender::Extender(sched::Cluster cluster, const std::vector<sched::Task>& workload, ExtenderOptions options, KubeApi* api)
    : cluster_(std::move(cluster)),
      policy_(sched::make_policy(options.policy, workload)),
      rng_(options.seed ^ 0x5DEECE66Dull),
      options_(std::move(options)),
      api_(api) {
  for (std::size_t i = 0; i < cluster_.nodes.size(); ++i) index_[cluster_.nodes[i].name] = static_cast<int>(i);
}

int Extender::node_index(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

PodRequest Extender::request_of(const nlohmann::json& pod) const {
  PodRequest r = parse_pod(pod);
  if (!r.mig.empty()) {
    r.task.num_gpu = 1;
    r.task.gpu_milli = mig_milli(r.mig);
  }
  for (const auto& m : r.models) {
    auto it = std::find(cluster_.models.begin(), cluster_.models.end(), m);
    if (it == cluster_.models.end()) throw Error(fmt::format("pod {}/{}: frugal.dev/gpu-model '{}': no node has it", r.ns, r.name, m));
    r.task.models.push_back(static_cast<int>(it - cluster_.models.begin()));
  }
  return r;
}

std::vector<std::string> Extender::node_names(const nlohmann::json& args) const {
  std::vector<std::string> out;
  if (const auto* names = field(args, "NodeNames", "nodenames"); names && names->is_array()) {
    for (const auto& n : *names) {
      if (n.is_string()) out.push_back(n.get<std::string>());
    }
    return out;
  }
  if (const auto* nodes = field(args, "Nodes", "nodes"); nodes && nodes->is_object()) {
    for (const auto& n : nodes->value("items", nlohmann::json::array())) {
      if (n.is_object() && n.contains("metadata") && n["metadata"].is_object() && n["metadata"].contains("name") &&
          n["metadata"]["name"].is_string()) {
        out.push_back(n["metadata"]["name"].get<std::string>());
      }
    }
  }
  return out;
}

std::string Extender::reason(const sched::Node& n, const sched::Task& t) const {
  if (!sched::model_allowed(n, t)) return fmt::format("frugal: GPU model {} not allowed", cluster_.models[n.model]);
  if (n.cpu_left < t.cpu) return fmt::format("frugal: {}m CPU free, {}m asked", n.cpu_left, t.cpu);
  if (n.mem_left < t.mem) return fmt::format("frugal: {} MiB memory free, {} MiB asked", n.mem_left, t.mem);
  if (t.is_sharing()) {
    const int best = n.gpu_left.empty() ? 0 : *std::max_element(n.gpu_left.begin(), n.gpu_left.end());
    return fmt::format("frugal: no GPU with {}/1000 free (most free: {}/1000)", t.gpu_milli, best);
  }
  return fmt::format("frugal: {} whole GPU(s) free, {} asked", n.fully_free_gpus(), t.num_gpu);
}

nlohmann::json Extender::filter(const nlohmann::json& args) {
  nlohmann::json out = {{"NodeNames", nlohmann::json::array()}, {"FailedNodes", nlohmann::json::object()},
                        {"FailedAndUnresolvableNodes", nlohmann::json::object()}, {"Error", ""}};
  const std::vector<std::string> names = node_names(args);
  const auto* pod = field(args, "Pod", "pod");
  if (!pod) {
    out["Error"] = "frugal: ExtenderArgs without a Pod";
    return out;
  }
  PodRequest r;
  try {
    r = request_of(*pod);
  } catch (const Error& e) {
    out["Error"] = std::string("frugal: ") + e.what();
    return out;
  }
  if (!r.wants_gpu() && !options_.manage_cpu_pods) {  // not ours: every node passes
    out["NodeNames"] = names;
    return out;
  }
  std::lock_guard lock(mu_);
  // The policy decides over the candidate nodes only: the others are hidden from it by a copy
  // with no room, unless kube-scheduler passed them all (the common case, and the replay's).
  std::vector<char> candidate(cluster_.nodes.size(), 0);
  int known = 0;
  for (const auto& n : names) {
    if (int i = node_index(n); i >= 0 && !candidate[static_cast<std::size_t>(i)]) {
      candidate[static_cast<std::size_t>(i)] = 1;
      ++known;
    } else if (i < 0) {
      out["FailedAndUnresolvableNodes"][n] = "frugal: not a GPU node frugal knows";
    }
  }
  sched::Placement where;
  if (known == static_cast<int>(cluster_.nodes.size())) {
    where = policy_->place(cluster_, r.task, rng_);
  } else {
    sched::Cluster view = cluster_;
    for (std::size_t i = 0; i < view.nodes.size(); ++i) {
      if (!candidate[i]) view.nodes[i].cpu_left = -1;
    }
    where = policy_->place(view, r.task, rng_);
  }
  for (const auto& n : names) {
    const int i = node_index(n);
    if (i < 0) continue;
    const sched::Node& node = cluster_.nodes[static_cast<std::size_t>(i)];
    if (!sched::fits(node, r.task)) {
      out["FailedNodes"][n] = reason(node, r.task);
    } else if (options_.choose && i != where.node) {
      out["FailedNodes"][n] = fmt::format("frugal: placed on {} by the {} policy", where.ok() ? cluster_.nodes[where.node].name : "?",
                                          options_.policy);
    } else {
      out["NodeNames"].push_back(n);
    }
  }
  if (where.ok()) {
    const std::string key = r.key();
    if (!pending_.contains(key)) pending_order_.push_back(key);
    pending_[key] = {where, r.task};
    while (pending_order_.size() > options_.max_pending) {
      pending_.erase(pending_order_.front());
      pending_order_.erase(pending_order_.begin());
    }
  }
  return out;
}

nlohmann::json Extender::prioritize(const nlohmann::json& args) {
  nlohmann::json out = nlohmann::json::array();
  const std::vector<std::string> names = node_names(args);
  std::string chosen;
  if (const auto* pod = field(args, "Pod", "pod")) {
    try {
      const PodRequest r = parse_pod(*pod);  // only the key is needed
      std::lock_guard lock(mu_);
      if (auto it = pending_.find(r.key()); it != pending_.end()) chosen = cluster_.nodes[it->second.where.node].name;
    } catch (const Error&) {
    }
  }
  // MaxExtenderPriority is 10: the policy's node gets it, every other node 0.
  for (const auto& n : names) out.push_back({{"Host", n}, {"Score", n == chosen ? 10 : 0}});
  return out;
}

nlohmann::json Extender::bind(const nlohmann::json& args) {
  auto str = [&](const char* upper, const char* lower) {
    const auto* v = field(args, upper, lower);
    return v && v->is_string() ? v->get<std::string>() : std::string();
  };
  const std::string name = str("PodName", "podName"), ns = str("PodNamespace", "podNamespace"), uid = str("PodUID", "podUID"),
                    node = str("Node", "node");
  const std::string key = uid.empty() ? ns + "/" + name : uid;
  std::unique_lock lock(mu_);
  const int i = node_index(node);
  if (i < 0) return {{"Error", fmt::format("frugal: node '{}' is not a GPU node frugal knows", node)}};
  auto it = pending_.find(key);
  if (it == pending_.end()) return {{"Error", fmt::format("frugal: pod {}/{} was not filtered by this extender (or its decision expired)", ns, name)}};
  Decision d = it->second;
  sched::Node& n = cluster_.nodes[static_cast<std::size_t>(i)];
  if (d.where.node != i || !sched::fits(n, d.task)) {
    // kube-scheduler chose another node (feasible mode) or the node changed since filter.
    d.where.node = i;
    d.where.gpus = sched::best_fit_gpus(n, d.task);
    if (d.where.gpus.empty() || !sched::fits(n, d.task)) {
      return {{"Error", fmt::format("frugal: pod {}/{} no longer fits {}: {}", ns, name, node, reason(n, d.task))}};
    }
  }
  sched::allocate(n, d.task, d.where.gpus);
  pending_.erase(it);
  std::erase(pending_order_, key);
  bound_[key] = {node, d.where.gpus, d.task};
  if (api_) {
    // The API calls happen outside the lock would let a second bind race for the same GPUs; the
    // allocation is already taken, so hold nothing else and undo it on failure.
    lock.unlock();
    try {
      api_->annotate(ns, name,
                     {{kAssignedNode, node}, {kAssignedGpus, join(d.where.gpus)}, {kAssignedMilli, std::to_string(d.task.gpu_milli)}});
      api_->bind(ns, name, uid, node);
    } catch (const Error& e) {
      lock.lock();
      sched::release(cluster_.nodes[static_cast<std::size_t>(i)], d.task, d.where.gpus);
      bound_.erase(key);
      return {{"Error", fmt::format("frugal: binding {}/{} to {}: {}", ns, name, node, e.what())}};
    }
  }
  return {{"Error", ""}};
}

int Extender::rebuild(const nlohmann::json& pods) {
  std::lock_guard lock(mu_);
  for (auto& n : cluster_.nodes) {
    n.cpu_left = n.cpu_total;
    n.mem_left = n.mem_total;
    std::fill(n.gpu_left.begin(), n.gpu_left.end(), sched::kMilliPerGpu);
  }
  bound_.clear();
  int restored = 0;
  for (const auto& pod : pods) {
    if (!pod.is_object()) continue;
    const auto phase = pod.value("status", nlohmann::json::object()).value("phase", "");
    if (phase == "Succeeded" || phase == "Failed") continue;  // their GPUs are free again
    const auto ann = pod.value("metadata", nlohmann::json::object()).value("annotations", nlohmann::json::object());
    if (!ann.is_object() || !ann.contains(kAssignedNode) || !ann.contains(kAssignedGpus)) continue;
    try {
      PodRequest r = request_of(pod);
      const int i = node_index(ann[kAssignedNode].get<std::string>());
      if (i < 0) continue;
      std::vector<int> gpus;
      std::stringstream ss(ann[kAssignedGpus].get<std::string>());
      for (std::string g; std::getline(ss, g, ',');) gpus.push_back(std::stoi(g));
      if (ann.contains(kAssignedMilli)) r.task.gpu_milli = std::stoi(ann[kAssignedMilli].get<std::string>());
      sched::Node& n = cluster_.nodes[static_cast<std::size_t>(i)];
      bool ok = static_cast<int>(gpus.size()) == r.task.num_gpu;
      for (int g : gpus) ok = ok && g >= 0 && g < n.gpu_count() && n.gpu_left[static_cast<std::size_t>(g)] >= r.task.gpu_milli;
      if (!ok) continue;  // inconsistent annotations: not restored rather than over-allocated
      sched::allocate(n, r.task, gpus);
      bound_[r.key()] = {n.name, gpus, r.task};
      ++restored;
    } catch (const std::exception&) {
      continue;
    }
  }
  return restored;
}

nlohmann::json Extender::state() const {
  std::lock_guard lock(mu_);
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : cluster_.nodes) {
    nodes.push_back({{"name", n.name}, {"model", cluster_.models[n.model]}, {"cpu_left_milli", n.cpu_left},
                     {"memory_left_mib", n.mem_left}, {"gpu_left_milli", n.gpu_left}});
  }
  nlohmann::json pods = nlohmann::json::object();
  for (const auto& [k, a] : bound_) pods[k] = {{"node", a.node}, {"gpus", a.gpus}, {"gpu_milli", a.task.gpu_milli}};
  return {{"policy", options_.policy}, {"nodes", nodes}, {"pods", pods},
          {"gpu_capacity_milli", cluster_.gpu_capacity_milli()}, {"gpu_allocated_milli", cluster_.gpu_allocated_milli()}};
}

std::int64_t Extender::allocated_milli() const {
  std::lock_guard lock(mu_);
  return cluster_.gpu_allocated_milli();
}

std::int64_t Extender::capacity_milli() const {
  std::lock_guard lock(mu_);
  return cluster_.gpu_capacity_milli();
}

sched::Cluster cluster_from_nodes(const nlohmann::json& node_list) {
  sched::Cluster c;
  for (const auto& n : node_list.value("items", nlohmann::json::array())) {
    const auto alloc = n.value("status", nlohmann::json::object()).value("allocatable", nlohmann::json::object());
    if (!alloc.is_object() || !alloc.contains("nvidia.com/gpu")) continue;
    const std::string name = n["metadata"].value("name", "");
    const auto labels = n["metadata"].value("labels", nlohmann::json::object());
    // Under the device plugin's time-slicing or MPS sharing, allocatable nvidia.com/gpu counts
    // replicas; GPU feature discovery's nvidia.com/gpu.count label is the physical count.
    int gpus = static_cast<int>(parse_quantity(alloc["nvidia.com/gpu"].get<std::string>(), name + ": nvidia.com/gpu"));
    if (labels.is_object() && labels.contains("nvidia.com/gpu.count")) {
      gpus = static_cast<int>(parse_quantity(labels["nvidia.com/gpu.count"].get<std::string>(), name + ": nvidia.com/gpu.count"));
    }
    if (gpus <= 0) continue;
    sched::Node node;
    node.name = name;
    node.model = c.model_index(labels.is_object() ? labels.value("nvidia.com/gpu.product", "gpu") : "gpu");
    node.cpu_total = node.cpu_left = static_cast<std::int64_t>(std::llround(parse_quantity(alloc.value("cpu", "0"), name + ": cpu") * 1000));
    node.mem_total = node.mem_left =
        static_cast<std::int64_t>(parse_quantity(alloc.value("memory", "0"), name + ": memory") / 1048576.0);
    node.gpu_left.assign(static_cast<std::size_t>(gpus), sched::kMilliPerGpu);
    c.nodes.push_back(std::move(node));
  }
  return c;
}

}  // namespace frugal::k8s
