#include "sched/frag.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace frugal::sched {

std::vector<TypicalTask> typical_tasks(const std::vector<Task>& tasks, double coverage, int step) {
  using Key = std::tuple<std::int64_t, int, int, std::vector<int>>;
  std::map<Key, double> count;
  double total = 0;
  for (const auto& t : tasks) {
    if (t.num_gpu == 0) continue;
    count[{t.cpu, t.gpu_milli, t.num_gpu, t.models}] += 1;
    total += 1;
  }
  std::vector<TypicalTask> all;
  for (const auto& [k, c] : count) {
    Task s;
    s.cpu = std::get<0>(k);
    s.gpu_milli = std::get<1>(k);
    s.num_gpu = std::get<2>(k);
    s.models = std::get<3>(k);
    all.push_back({s, c});
  }
  // Most popular first; ties in a fixed order so results do not depend on map layout.
  std::stable_sort(all.begin(), all.end(), [](const TypicalTask& a, const TypicalTask& b) { return a.weight > b.weight; });
  std::size_t take = 0;
  double covered = 0;
  while (covered < coverage * total && take < all.size()) {
    const std::size_t upto = std::min(all.size(), take + static_cast<std::size_t>(step));
    for (; take < upto; ++take) covered += all[take].weight;
  }
  all.resize(take);
  for (auto& t : all) t.weight /= covered;
  return all;
}

double node_task_fragment(const Node& n, const Task& s) {
  const int idle = n.gpu_left_total();
  if (idle == 0) return 0;
  if (!model_allowed(n, s) || n.cpu_left < s.cpu) return idle;
  int room = 0, small = 0;
  for (int g : n.gpu_left) {
    if (g >= s.gpu_milli) ++room;
    else small += g;
  }
  if (room < s.num_gpu) return idle;  // lacks GPU: every idle GPU is a fragment for this task
  return small;                       // only GPUs too small for it are fragments
}

double node_fragment(const Node& n, const std::vector<TypicalTask>& typical) {
  double f = 0;
  for (const auto& t : typical) f += t.weight * node_task_fragment(n, t.shape);
  return f;
}

}  // namespace frugal::sched
