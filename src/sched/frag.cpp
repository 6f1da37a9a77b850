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

namespace {
bool model_in(int model, const Task& s) {
  return s.models.empty() || std::find(s.models.begin(), s.models.end(), model) != s.models.end();
}

// The definition, on a node's state: shared by the Node overloads and the cache.
double task_fragment(int model, std::int64_t cpu_left, const int* left, int gpus, const Task& s) {
  int idle = 0;
  for (int i = 0; i < gpus; ++i) idle += left[i];
  if (idle == 0) return 0;
  if (!model_in(model, s) || cpu_left < s.cpu) return idle;
  int room = 0, small = 0;
  for (int i = 0; i < gpus; ++i) {
    if (left[i] >= s.gpu_milli) ++room;
    else small += left[i];
  }
  if (room < s.num_gpu) return idle;  // lacks GPU: every idle GPU is a fragment for this task
  return small;                       // only GPUs too small for it are fragments
}

double expected_fragment(int model, std::int64_t cpu_left, const int* left, int gpus,
                         const std::vector<TypicalTask>& typical) {
  double f = 0;
  for (const auto& t : typical) f += t.weight * task_fragment(model, cpu_left, left, gpus, t.shape);
  return f;
}

constexpr std::size_t kSlots = std::size_t{1} << 16;  // 1.5 MiB per cache
}  // namespace

double node_task_fragment(const Node& n, const Task& s) {
  return task_fragment(n.model, n.cpu_left, n.gpu_left.data(), n.gpu_count(), s);
}

double node_fragment(const Node& n, const std::vector<TypicalTask>& typical) {
  return expected_fragment(n.model, n.cpu_left, n.gpu_left.data(), n.gpu_count(), typical);
}

FragmentCache::FragmentCache(std::vector<TypicalTask> typical) : typical_(std::move(typical)), slots_(kSlots) {}

namespace {
std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
// Two independent hashes of one GPU's room. They are summed over the GPUs, which makes the key
// independent of GPU order (the fragment is too) without sorting, and lets a task's GPUs be
// swapped out of the sum. Room is 0..1000 milli, so the hashes come from a table.
struct GpuHashes {
  std::uint64_t a[kMilliPerGpu + 1], b[kMilliPerGpu + 1];
  GpuHashes() {
    for (int v = 0; v <= kMilliPerGpu; ++v) {
      a[v] = splitmix(static_cast<std::uint64_t>(v));
      b[v] = splitmix(static_cast<std::uint64_t>(v) ^ 0x632BE59BD9B4E019ull);
    }
  }
};
const GpuHashes kGpuHashes;
std::uint64_t gpu_a(int left) {
  return left >= 0 && left <= kMilliPerGpu ? kGpuHashes.a[left] : splitmix(static_cast<std::uint64_t>(left));
}
std::uint64_t gpu_b(int left) {
  return left >= 0 && left <= kMilliPerGpu ? kGpuHashes.b[left]
                                           : splitmix(static_cast<std::uint64_t>(left) ^ 0x632BE59BD9B4E019ull);
}
}  // namespace

double FragmentCache::operator()(const Node& n) { return after(n, Task{}, {}); }

FragmentCache::StateKey FragmentCache::state_key(const Node& n, const Task& t, const std::vector<int>& gpus) {
  std::uint64_t ga = 0, gb = 0;
  for (int left : n.gpu_left) {
    ga += gpu_a(left);
    gb += gpu_b(left);
  }
  for (int g : gpus) {
    const int left = n.gpu_left[g];
    ga += gpu_a(left - t.gpu_milli) - gpu_a(left);
    gb += gpu_b(left - t.gpu_milli) - gpu_b(left);
  }
  const std::uint64_t shape = splitmix(static_cast<std::uint64_t>(n.cpu_left - t.cpu) * 0x100000001B3ull +
                                       static_cast<std::uint64_t>(n.model) * 131 + static_cast<std::uint64_t>(n.gpu_count()));
  return {splitmix(ga ^ shape), splitmix(gb + (shape * 0xD6E8FEB86659FD93ull))};
}

double FragmentCache::after(const Node& n, const Task& t, const std::vector<int>& gpus) {
  const StateKey k = state_key(n, t, gpus);
  Slot& slot = slots_[(k.a ^ (k.b >> 17)) & (kSlots - 1)];
  if (slot.value >= 0 && slot.a == k.a && slot.b == k.b) return slot.value;
  const std::int64_t cpu_left = n.cpu_left - t.cpu;
  double f;
  if (gpus.empty()) {
    f = expected_fragment(n.model, cpu_left, n.gpu_left.data(), n.gpu_count(), typical_);
  } else {
    thread_local std::vector<int> left;
    left = n.gpu_left;
    for (int g : gpus) left[g] -= t.gpu_milli;
    f = expected_fragment(n.model, cpu_left, left.data(), n.gpu_count(), typical_);
  }
  slot = {k.a, k.b, f};
  return f;
}

}  // namespace frugal::sched
