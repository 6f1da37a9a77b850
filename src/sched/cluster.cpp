#include "sched/cluster.h"

#include <algorithm>

namespace frugal::sched {

int Node::gpu_left_total() const {
  int s = 0;
  for (int g : gpu_left) s += g;
  return s;
}

int Node::fully_free_gpus() const {
  return static_cast<int>(std::count(gpu_left.begin(), gpu_left.end(), kMilliPerGpu));
}

std::int64_t Cluster::gpu_capacity_milli() const {
  std::int64_t s = 0;
  for (const auto& n : nodes) s += static_cast<std::int64_t>(n.gpu_count()) * kMilliPerGpu;
  return s;
}

std::int64_t Cluster::gpu_allocated_milli() const {
  std::int64_t s = 0;
  for (const auto& n : nodes) s += static_cast<std::int64_t>(n.gpu_count()) * kMilliPerGpu - n.gpu_left_total();
  return s;
}

int Cluster::model_index(const std::string& name) {
  for (std::size_t i = 0; i < models.size(); ++i) {
    if (models[i] == name) return static_cast<int>(i);
  }
  models.push_back(name);
  return static_cast<int>(models.size() - 1);
}

NodeSpec max_node_spec(const Cluster& c) {
  NodeSpec s;
  for (const auto& n : c.nodes) {
    s.cpu = std::max(s.cpu, n.cpu_total);
    s.gpu_milli = std::max(s.gpu_milli, n.gpu_count() * kMilliPerGpu);
  }
  return s;
}

bool model_allowed(const Node& n, const Task& t) {
  if (t.num_gpu == 0 || t.models.empty()) return true;
  return std::find(t.models.begin(), t.models.end(), n.model) != t.models.end();
}

bool fits(const Node& n, const Task& t) {
  if (n.cpu_left < t.cpu || n.mem_left < t.mem) return false;
  if (t.num_gpu == 0) return true;
  if (!model_allowed(n, t)) return false;
  int room = 0;
  for (int g : n.gpu_left) room += g >= t.gpu_milli;
  return room >= t.num_gpu;
}

std::vector<int> best_fit_gpus(const Node& n, const Task& t) {
  std::vector<int> out;
  if (t.num_gpu == 0) return out;
  if (t.is_sharing()) {
    int best = -1;
    for (int i = 0; i < n.gpu_count(); ++i) {
      if (n.gpu_left[i] >= t.gpu_milli && (best < 0 || n.gpu_left[i] < n.gpu_left[best])) best = i;
    }
    if (best >= 0) out.push_back(best);
    return out;
  }
  for (int i = 0; i < n.gpu_count() && static_cast<int>(out.size()) < t.num_gpu; ++i) {
    if (n.gpu_left[i] >= t.gpu_milli) out.push_back(i);
  }
  if (static_cast<int>(out.size()) < t.num_gpu) out.clear();
  return out;
}

void allocate(Node& n, const Task& t, const std::vector<int>& gpus) {
  n.cpu_left -= t.cpu;
  n.mem_left -= t.mem;
  for (int g : gpus) n.gpu_left[g] -= t.gpu_milli;
}

void release(Node& n, const Task& t, const std::vector<int>& gpus) {
  n.cpu_left += t.cpu;
  n.mem_left += t.mem;
  for (int g : gpus) n.gpu_left[g] += t.gpu_milli;
}

}  // namespace frugal::sched
