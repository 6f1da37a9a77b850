#include "sim/simulator.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "test_util.h"

using namespace frugal;

namespace {
const std::string kData = FRUGAL_TEST_DATA_DIR;

}  // namespace

TEST(Trace, LoadsBundledAlibabaTrace) {
  auto c = sim::load_nodes(sim::nodes_path(kData));
  EXPECT_EQ(c.nodes.size(), 1213u);
  EXPECT_EQ(c.gpu_capacity_milli(), 6212 * 1000);
  auto tasks = sim::load_tasks(sim::trace_path(kData, "default"), c);
  EXPECT_EQ(tasks.size(), 8152u);
  double gpu = 0;
  int cpu_only = 0;
  for (const auto& t : tasks) {
    gpu += t.task.gpu_request_milli();
    cpu_only += t.task.num_gpu == 0;
  }
  EXPECT_NEAR(gpu / 1000, 6086.8, 0.05);  // variants_summary.csv
  EXPECT_EQ(cpu_only, 1088);
  auto spec = sim::load_tasks(sim::trace_path(kData, "gpuspec33"), c);
  int constrained = 0;
  for (const auto& t : spec) constrained += !t.task.models.empty();
  EXPECT_EQ(constrained, 2388);
  EXPECT_GE(sim::trace_variants(kData).size(), 24u);
}

TEST(Trace, BadRowsNameTheirPosition) {
  auto c = sim::load_nodes(sim::nodes_path(kData));
  auto p = write_temp("frugal_bad_pods.csv", "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np0,1000,1024,2,500\n");
  try {
    sim::load_tasks(p, c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), p + ":2:16: a task with several GPUs must take whole GPUs (gpu_milli 1000)");
  }
  EXPECT_THROW(sim::trace_path(kData, "nope"), Error);
}

TEST(Simulate, InflatesTo130PercentDeterministically) {
  auto c = sim::load_nodes(sim::nodes_path(kData));
  auto trace = sim::load_tasks(sim::trace_path(kData, "default"), c);
  auto a = sim::inflate(trace, c.gpu_capacity_milli(), 1.3, 42);
  auto b = sim::inflate(trace, c.gpu_capacity_milli(), 1.3, 42);
  double total = 0;
  for (const auto& t : a) total += t.gpu_request_milli();
  EXPECT_GE(total, 1.3 * c.gpu_capacity_milli());
  EXPECT_LT(total - 8000, 1.3 * c.gpu_capacity_milli());  // stops at the first task past the target
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].gpu_request_milli(), b[i].gpu_request_milli());
}

// One seed of the paper's experiment: FGD leaves less unallocated than random placement, and
// curves are well-formed (one point per 1%, allocation never above arrival or capacity).
TEST(Simulate, FgdBeatsRandomOnTheDefaultTrace) {
  auto c = sim::load_nodes(sim::nodes_path(kData));
  auto trace = sim::load_tasks(sim::trace_path(kData, "default"), c);
  auto fgd = sim::simulate(c, trace, "fgd", 42);
  auto rnd = sim::simulate(c, trace, "random", 42);
  ASSERT_EQ(fgd.curve.size(), 130u);
  for (const auto& p : fgd.curve) {
    EXPECT_LE(p.allocated_pct, p.arrived_pct + 0.2);  // arrival crosses the step by at most one task (<= 8 GPUs)
    EXPECT_LE(p.allocated_pct, 100.0);
    EXPECT_GE(p.frag_pct, 0.0);
  }
  EXPECT_LT(fgd.unallocated_at_100, rnd.unallocated_at_100 - 3);
  EXPECT_EQ(fgd.placed + fgd.pending, fgd.tasks);
  EXPECT_EQ(c.gpu_allocated_milli(), 0);  // the caller's cluster is untouched
}

#include "sim/replay.h"

// Replay on a hand-made cluster: one 1-GPU node; A (whole GPU, 0-100 s) and B (whole GPU,
// arrives at 10 s, runs 50 s) must wait for A: B starts at 100 s, so it waits 90 s.
TEST(Replay, TasksWaitForCapacityAndLeave) {
  sched::Cluster c;
  sched::Node n;
  n.name = "n";
  n.cpu_total = n.cpu_left = 8000;
  n.mem_total = n.mem_left = 8192;
  n.gpu_left = {1000};
  c.nodes = {n, n};
  c.nodes[1].gpu_left.clear();  // a CPU-only node: never counted as releasable GPU capacity
  auto task = [](double from, double to) {
    sim::TraceTask t;
    t.task.cpu = 1000;
    t.task.mem = 1024;
    t.task.num_gpu = 1;
    t.task.gpu_milli = 1000;
    t.creation = from;
    t.deletion = to;
    return t;
  };
  std::vector<sim::TraceTask> trace = {task(0, 100), task(10, 60), task(200, 300)};
  auto r = sim::replay(c, trace, "fgd", 1);
  EXPECT_EQ(r.started, 3);
  EXPECT_EQ(r.never_started, 0);
  EXPECT_DOUBLE_EQ(r.span_s, 200);  // first to last arrival
  // Busy from 0 to 150 (A then B), idle 150-200: 75% of the window allocated, one node busy.
  EXPECT_DOUBLE_EQ(r.avg_allocated_pct, 75);
  EXPECT_DOUBLE_EQ(r.avg_busy_nodes, 0.75);
  EXPECT_DOUBLE_EQ(r.avg_releasable_gpus, 0.25);
  EXPECT_DOUBLE_EQ(r.mean_wait_s, 30);  // (0 + 90 + 0) / 3
  trace[0].deletion = -1;
  EXPECT_THROW(sim::replay(c, trace, "fgd", 1), Error);
}
