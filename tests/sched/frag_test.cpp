#include "sched/frag.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "fixtures.h"

using namespace frugal::sched;

TEST(Frag, NodeTaskFragmentByHand) {
  // A 4-GPU node with GPUs left 1000, 600, 300, 0 (1900 milli idle) and 8 CPUs left.
  Node n = make_node("n", 4, 8000);
  n.gpu_left = {1000, 600, 300, 0};
  // A 500-milli task fits GPUs 0 and 1; GPU 2's 300 milli is a fragment for it.
  EXPECT_DOUBLE_EQ(node_task_fragment(n, share(500)), 300);
  // A whole-GPU task fits GPU 0; 600 + 300 are fragments.
  EXPECT_DOUBLE_EQ(node_task_fragment(n, whole(1)), 900);
  // Two whole GPUs do not fit: all 1900 idle milli are fragments for it.
  EXPECT_DOUBLE_EQ(node_task_fragment(n, whole(2)), 1900);
  // Not enough CPU: every idle GPU is a fragment too.
  EXPECT_DOUBLE_EQ(node_task_fragment(n, share(100, 9000)), 1900);
  // Wrong GPU model.
  Task t = share(100);
  t.models = {3};
  EXPECT_DOUBLE_EQ(node_task_fragment(n, t), 1900);
}

TEST(Frag, ExpectationOverTypicalTasks) {
  Node n = make_node("n", 4, 8000);
  n.gpu_left = {1000, 600, 300, 0};
  std::vector<TypicalTask> typ = {{share(500), 0.5}, {whole(1), 0.3}, {whole(2), 0.2}};
  // 0.5 x 300 + 0.3 x 900 + 0.2 x 1900 = 150 + 270 + 380 = 800
  EXPECT_DOUBLE_EQ(node_fragment(n, typ), 800);
  Node full = make_node("f", 2);
  full.gpu_left = {0, 0};
  EXPECT_DOUBLE_EQ(node_fragment(full, typ), 0);
}

TEST(Frag, TypicalTasksWeighByPopularity) {
  std::vector<Task> tasks = {share(500), share(500), share(500), whole(1), Task{}};  // CPU-only ignored
  auto typ = typical_tasks(tasks);
  ASSERT_EQ(typ.size(), 2u);
  EXPECT_EQ(typ[0].shape.gpu_milli, 500);
  EXPECT_DOUBLE_EQ(typ[0].weight, 0.75);
  EXPECT_DOUBLE_EQ(typ[1].weight, 0.25);
}

TEST(Frag, CacheMatchesTheDefinitionAndIgnoresGpuOrder) {
  // Random node states on a 4-GPU node: the cached value, the value after a placement (computed
  // without copying the node) and the value for the same GPUs in another order all equal the
  // direct computation.
  std::vector<Task> workload = {share(300), share(500), share(500), whole(1), whole(2), share(700, 30000)};
  const auto typ = typical_tasks(workload);
  FragmentCache cache(typ);
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> left(0, 10), cpu(0, 32);
  for (int i = 0; i < 2000; ++i) {
    Node n = make_node("n", 4);
    for (int& g : n.gpu_left) g = left(rng) * 100;
    n.cpu_left = cpu(rng) * 1000;
    ASSERT_DOUBLE_EQ(cache(n), node_fragment(n, typ));
    Node reversed = n;
    std::reverse(reversed.gpu_left.begin(), reversed.gpu_left.end());
    EXPECT_EQ(FragmentCache::state_key(n), FragmentCache::state_key(reversed));
    ASSERT_DOUBLE_EQ(cache(reversed), node_fragment(n, typ));
    const Task t = share(200, 1000);
    if (!fits(n, t)) continue;
    const auto gpus = best_fit_gpus(n, t);
    Node placed = n;
    allocate(placed, t, gpus);
    ASSERT_DOUBLE_EQ(cache.after(n, t, gpus), node_fragment(placed, typ));
    EXPECT_EQ(FragmentCache::state_key(n, t, gpus), FragmentCache::state_key(placed));
  }
  Node a = make_node("a", 4), b = make_node("b", 4);
  b.cpu_left -= 1000;  // a different state must have a different key
  EXPECT_FALSE(FragmentCache::state_key(a) == FragmentCache::state_key(b));
}
