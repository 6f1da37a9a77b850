// Placement policies behind one interface. Each picks the node and the GPU(s) for a task; ties
// between equally good nodes are broken at random (as Kubernetes' scheduler does), so results
// depend on the Rng seed only.
#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sched/cluster.h"
#include "sched/frag.h"

namespace frugal::sched {

using Rng = std::mt19937_64;

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string name() const = 0;
  // Chooses where `t` goes in `c`; an empty Placement when no node can host it. Does not modify c.
  virtual Placement place(const Cluster& c, const Task& t, Rng& rng) = 0;
};

// Policies: random, dot-product, clustering, packing, best-fit, fgd (the paper's six) and
// frugal (ours; see docs/sched.md). `workload` is the task population FGD and frugal learn the
// distribution of task shapes from (the whole trace in the simulator, recent jobs in the daemon).
std::unique_ptr<Policy> make_policy(const std::string& name, const std::vector<Task>& workload);
const std::vector<std::string>& policy_names();

// The order in which the frugal policy fills nodes: a hash of each node's name, so it mixes GPU
// models and sizes and does not depend on how the node list is sorted.
std::vector<int> frugal_fill_order(const Cluster& c);

}  // namespace frugal::sched
