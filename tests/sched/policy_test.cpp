#include "sched/policy.h"

#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "fixtures.h"

using namespace frugal::sched;

namespace {
Placement place(const std::string& policy, const Cluster& c, const Task& t, const std::vector<Task>& workload = {}) {
  Rng rng(1);
  return make_policy(policy, workload.empty() ? std::vector<Task>{t} : workload)->place(c, t, rng);
}
}  // namespace

TEST(Policy, EveryPolicyRespectsCapacityAndModel) {
  Cluster c;
  c.nodes = {make_node("small", 1, 2000), make_node("v100", 8, 64000, 1)};
  Task t = whole(2);
  t.models = {1};
  for (const auto& p : policy_names()) {
    auto w = place(p, c, t);
    ASSERT_TRUE(w.ok()) << p;
    EXPECT_EQ(w.node, 1) << p;
    EXPECT_EQ(w.gpus.size(), 2u) << p;
  }
  Task huge = whole(9);
  for (const auto& p : policy_names()) EXPECT_FALSE(place(p, c, huge).ok()) << p;
}

TEST(Policy, BestFitPicksTheFullestNodeAndGpu) {
  Cluster c;
  c.nodes = {make_node("empty", 2), make_node("busy", 2)};
  c.nodes[1].gpu_left = {700, 400};
  auto w = place("best-fit", c, share(300));
  EXPECT_EQ(w.node, 1);                      // least CPU+GPU left after placement
  EXPECT_EQ(w.gpus, std::vector<int>{1});    // the GPU with 400 left: tightest fit
}

TEST(Policy, PackingPrefersSharedGpuThenUsedNodeThenEmptyNode) {
  Cluster c;
  c.nodes = {make_node("empty", 2), make_node("used", 2), make_node("shared", 2)};
  c.nodes[1].gpu_left = {1000, 0};
  c.nodes[2].gpu_left = {500, 1000};
  EXPECT_EQ(place("packing", c, share(400)).node, 2);  // case 1: a GPU already shared
  EXPECT_EQ(place("packing", c, whole(1)).node, 1);    // case 2: free GPU on a used node
  c.nodes[1].gpu_left = {0, 0};
  c.nodes[2].gpu_left = {0, 0};
  EXPECT_EQ(place("packing", c, whole(1)).node, 0);    // case 3: only the empty node is left
}

TEST(Policy, ClusteringGroupsTasksOfTheSameKind) {
  Cluster c;
  c.nodes = {make_node("a", 4), make_node("b", 4)};
  auto pol = make_policy("clustering", {});
  Rng rng(1);
  auto w1 = pol->place(c, share(500), rng);
  allocate(c.nodes[w1.node], share(500), w1.gpus);
  auto w2 = pol->place(c, whole(1), rng);  // a different kind goes to the other, idle node
  EXPECT_NE(w2.node, w1.node);
  allocate(c.nodes[w2.node], whole(1), w2.gpus);
  EXPECT_EQ(pol->place(c, share(200), rng).node, w1.node);  // same kind joins its group
}

TEST(Policy, DotProductFillsTheNodeTheTaskAlignsLeastWith) {
  Cluster c;
  c.nodes = {make_node("empty", 1), make_node("half", 1)};
  c.nodes[1].gpu_left = {500};
  EXPECT_EQ(place("dot-product", c, share(500)).node, 1);  // smaller free GPU: lower dot product
}

TEST(Policy, DotProductScoresOnTheIntegerScaleSoNearTiesGoToTheFirstNode) {
  // Normalised by the largest node (128 CPUs, 8 GPUs), a 0.1-GPU task scores
  // 100 x (1 - dot / 2): 98.98 on the empty 8-GPU node, 99.82 on the empty 1-GPU node and 99.86
  // on the 1-GPU node with 600 milli left. Cut to integers the last two tie at 99, and the first
  // of them in cluster order wins, as in the paper's Kubernetes simulator.
  Cluster c;
  c.nodes = {make_node("big", 8, 128000), make_node("empty", 1), make_node("partly", 1)};
  c.nodes[2].gpu_left = {600};
  EXPECT_EQ(place("dot-product", c, share(100)).node, 1);
  c.nodes[1].gpu_left = {50};  // no room on node 1 now: the partly used node is next
  EXPECT_EQ(place("dot-product", c, share(100)).node, 2);
}

TEST(Policy, FgdAvoidsCreatingFragments) {
  // Workload: 70% of tasks want 600 milli, 30% a whole GPU. Node 0 has a GPU with 700 left;
  // node 1 is empty. Putting a 600 task on node 0 leaves 100 milli (small fragment) while on node 1
  // it would leave 400 milli on a GPU (a fragment for both shapes).
  Cluster c;
  c.nodes = {make_node("partly", 1), make_node("empty", 1)};
  c.nodes[0].gpu_left = {700};
  std::vector<Task> workload(7, share(600));
  workload.insert(workload.end(), 3, whole(1));
  // (frugal weighs this 510 milli saving against its consolidation pressure: see the Frugal tests.)
  auto w = place("fgd", c, share(600), workload);
  EXPECT_EQ(w.node, 0);
  EXPECT_EQ(w.gpus, std::vector<int>{0});
}

TEST(Policy, FgdPicksTheGpuInsideTheNode) {
  Cluster c;
  c.nodes = {make_node("n", 2)};
  c.nodes[0].gpu_left = {1000, 500};
  std::vector<Task> workload(9, whole(1));
  workload.push_back(share(500));
  // Taking half of GPU 1 keeps GPU 0 whole for the common whole-GPU task.
  EXPECT_EQ(place("fgd", c, share(500), workload).gpus, std::vector<int>{1});
}

TEST(Policy, RandomSpreadsAndUnknownNameIsAnError) {
  Cluster c;
  for (int i = 0; i < 8; ++i) c.nodes.push_back(make_node("n", 1));
  auto pol = make_policy("random", {});
  Rng rng(7);
  std::set<int> seen;
  for (int i = 0; i < 64; ++i) seen.insert(pol->place(c, share(100), rng).node);
  EXPECT_GT(seen.size(), 4u);
  EXPECT_THROW(make_policy("tetris++", {}), frugal::Error);
}

TEST(Policy, FrugalFillOrderDependsOnNamesNotOnTheNodeList) {
  Cluster c, reversed;
  for (int i = 0; i < 50; ++i) c.nodes.push_back(make_node(("n" + std::to_string(i)).c_str(), 1));
  reversed.nodes.assign(c.nodes.rbegin(), c.nodes.rend());
  std::vector<std::string> a, b;
  for (int i : frugal_fill_order(c)) a.push_back(c.nodes[i].name);
  for (int i : frugal_fill_order(reversed)) b.push_back(reversed.nodes[i].name);
  EXPECT_EQ(a, b);
  std::vector<std::string> listed;
  for (const auto& n : c.nodes) listed.push_back(n.name);
  EXPECT_NE(a, listed);  // a mixed order, not the list's
}

TEST(Policy, FrugalConsolidatesUnlessALaterNodeSavesMoreThanThePressure) {
  // 300 empty 1-GPU nodes; every task wants 600 milli. A 600 share leaves 400 on an empty GPU
  // (a fragment: delta -400) but only 100 on a GPU with 700 left (delta -100): that node saves
  // 300 milli. Each place down the fill order costs 2 milli.
  Cluster c;
  for (int i = 0; i < 300; ++i) c.nodes.push_back(make_node(("n" + std::to_string(i)).c_str(), 1));
  const auto order = frugal_fill_order(c);
  const std::vector<Task> workload = {share(600)};
  // The partly used node is 250 places down (500 milli of pressure > 300 saved): frugal keeps
  // filling from the front; FGD, which scores sigmoid steps of about 40 milli, takes it.
  c.nodes[order[250]].gpu_left = {700};
  EXPECT_EQ(place("frugal", c, share(600), workload).node, order[0]);
  EXPECT_EQ(place("fgd", c, share(600), workload).node, order[250]);
  // 100 places down (200 milli < 300 saved): frugal takes it too.
  c.nodes[order[250]].gpu_left = {1000};
  c.nodes[order[100]].gpu_left = {700};
  EXPECT_EQ(place("frugal", c, share(600), workload).node, order[100]);
}
