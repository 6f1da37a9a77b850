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

}  // namespace frugal::sched
