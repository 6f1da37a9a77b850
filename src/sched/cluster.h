// Cluster model of the placement engine: nodes with CPU, memory and GPUs of one model, each GPU
// with 1000 milli-GPU; tasks asking for CPU, memory and either a share of one GPU or several
// whole GPUs, optionally restricted to GPU models. No I/O: the simulator and the live scheduler
// build these from their own inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace frugal::sched {

constexpr int kMilliPerGpu = 1000;

struct Node {
  std::string name;
  int model = 0;  // index into Cluster::models
  std::int64_t cpu_total = 0, cpu_left = 0;  // milli-CPU
  std::int64_t mem_total = 0, mem_left = 0;  // MiB
  std::vector<int> gpu_left;                 // milli-GPU left per GPU
  int gpu_count() const { return static_cast<int>(gpu_left.size()); }
  int gpu_left_total() const;
  int fully_free_gpus() const;
};

struct Task {
  std::int64_t cpu = 0;  // milli-CPU
  std::int64_t mem = 0;  // MiB
  int num_gpu = 0;       // 0: CPU-only
  int gpu_milli = 0;     // per GPU: < 1000 shares one GPU; 1000 for whole GPUs
  std::vector<int> models;  // allowed GPU models (indices); empty: any
  int gpu_request_milli() const { return num_gpu * gpu_milli; }
  bool is_sharing() const { return num_gpu == 1 && gpu_milli < kMilliPerGpu; }
};

struct Cluster {
  std::vector<std::string> models;
  std::vector<Node> nodes;
  std::int64_t gpu_capacity_milli() const;
  std::int64_t gpu_allocated_milli() const;
  int model_index(const std::string& name);  // adds unknown names
};

// The largest node's capacities, which normalise resource scores (the paper's "max spec":
// 128 CPUs and 8 GPUs on the Alibaba cluster).
struct NodeSpec {
  std::int64_t cpu = 1;   // milli-CPU
  int gpu_milli = 1;      // milli-GPU
};
NodeSpec max_node_spec(const Cluster& c);

// Where a task goes: a node and the GPU indices on it (empty for CPU-only tasks).
struct Placement {
  int node = -1;
  std::vector<int> gpus;
  bool ok() const { return node >= 0; }
};

// True when `n` could host `t` at all (model, CPU, memory, enough GPUs with room).
bool fits(const Node& n, const Task& t);
bool model_allowed(const Node& n, const Task& t);
// GPUs a task would use on `n` picking the fullest GPU that still fits (best fit) for a share,
// and the lowest-index fully free GPUs for whole-GPU tasks. Empty when it does not fit.
std::vector<int> best_fit_gpus(const Node& n, const Task& t);
void allocate(Node& n, const Task& t, const std::vector<int>& gpus);
void release(Node& n, const Task& t, const std::vector<int>& gpus);

}  // namespace frugal::sched
