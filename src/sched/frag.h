// GPU fragmentation as defined by FGD (Weng et al., USENIX ATC'23): for a node and a
// distribution of "typical" task shapes weighted by popularity, the expected idle GPU capacity
// that an arriving task cannot use on that node.
#pragma once

#include <cstdint>
#include <vector>

#include "sched/cluster.h"

namespace frugal::sched {

struct TypicalTask {
  Task shape;        // cpu, num_gpu, gpu_milli, models (memory is not part of the shape)
  double weight = 0; // popularity, weights sum to 1
};

// The most popular GPU task shapes covering at least `coverage` of GPU tasks (counted in steps of
// `step` shapes, as the paper's simulator does), renormalised to sum to 1.
std::vector<TypicalTask> typical_tasks(const std::vector<Task>& tasks, double coverage = 1.0, int step = 10);

// Fragment (milli-GPU) of node `n` for one task shape: all idle GPU if the task cannot run there
// (wrong model, not enough CPU or GPUs), else the idle milli-GPU on GPUs too small for it.
double node_task_fragment(const Node& n, const Task& shape);
// Expected fragment over the typical tasks.
double node_fragment(const Node& n, const std::vector<TypicalTask>& typical);

// node_fragment memoised by node state (model, CPU left, multiset of GPU left, as a 128-bit
// hash). Most nodes of a large cluster are in one of few states, so scoring every node for every
// task (FGD) hardly ever recomputes. A direct-mapped table: a colliding state overwrites the
// slot, so memory stays fixed; a hit needs the full 128-bit hash to match. Not thread-safe (one
// per policy or simulation).
class FragmentCache {
 public:
  explicit FragmentCache(std::vector<TypicalTask> typical);
  // Fragment of `n` as it is.
  double operator()(const Node& n);
  // Fragment of `n` once `t` is placed on `gpus` (as sched::allocate would), without copying n.
  double after(const Node& n, const Task& t, const std::vector<int>& gpus);

  // 128-bit hash of the state that fragmentation depends on (of `n` after `t` on `gpus`, or of n
  // itself by default). Nodes with equal keys have equal fragments for every task shape.
  struct StateKey {
    std::uint64_t a = 0, b = 0;
    bool operator==(const StateKey& o) const { return a == o.a && b == o.b; }
  };
  static StateKey state_key(const Node& n, const Task& t = {}, const std::vector<int>& gpus = {});

 private:
  struct Slot {
    std::uint64_t a = 0, b = 0;  // the state's 128-bit hash
    double value = -1;           // < 0: empty
  };
  std::vector<TypicalTask> typical_;
  std::vector<Slot> slots_;
};

}  // namespace frugal::sched
