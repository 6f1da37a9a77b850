// The slurm module without a cluster: gres plans from inventories (shards, MPS, MIG with and
// without capability minors), squeue/sacct parsing, the report's join and flags, sbatch plans for
// windows, and the real process runner. tests/cli/slurm_cli_test.sh runs all of it against Slurm.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.h"
#include "slurm/command.h"
#include "slurm/gres.h"
#include "slurm/jobs.h"
#include "slurm/report.h"
#include "slurm/submit.h"

using namespace frugal;
using namespace frugal::slurm;

namespace {

telemetry::GpuSample gpu(unsigned index, const std::string& name) {
  telemetry::GpuSample g;
  g.index = index;
  g.name = name;
  g.uuid = "GPU-" + std::to_string(index);
  return g;
}

}  // namespace

TEST(SlurmGres, TypesFromNvmlNames) {
  EXPECT_EQ(gpu_type("NVIDIA H100 80GB HBM3"), "h100");
  EXPECT_EQ(gpu_type("NVIDIA A100-SXM4-40GB"), "a100");
  EXPECT_EQ(gpu_type("NVIDIA A10G"), "a10g");
  EXPECT_EQ(gpu_type("Tesla T4"), "t4");
  EXPECT_EQ(gpu_type("NVIDIA L40S"), "l40s");
  EXPECT_EQ(gpu_type(""), "gpu");
}

TEST(SlurmGres, WholeGpusAndShards) {
  telemetry::Snapshot inv;
  inv.driver_version = "550.54.15";
  for (unsigned i = 0; i < 4; ++i) inv.gpus.push_back(gpu(i, "NVIDIA H100 80GB HBM3"));
  inv.gpus[3].lost = true;
  GresOptions o;
  o.node_name = "gpu-a1";
  o.shards_per_gpu = 8;
  const GresPlan p = plan_gres(inv, o);
  EXPECT_EQ(p.node_gres, "gpu:h100:3,shard:24");
  EXPECT_EQ(p.gres_types, "gpu,shard");
  EXPECT_NE(p.gres_conf.find("NodeName=gpu-a1 Name=gpu Type=h100 File=/dev/nvidia2\n"), std::string::npos) << p.gres_conf;
  EXPECT_NE(p.gres_conf.find("NodeName=gpu-a1 Name=shard Count=8 File=/dev/nvidia0\n"), std::string::npos);
  EXPECT_EQ(p.gres_conf.find("nvidia3"), std::string::npos);  // the lost GPU is left out, and said so
  ASSERT_FALSE(p.notes.empty());
  EXPECT_NE(p.notes[0].find("GPU 3 is lost"), std::string::npos);

  o.shards_per_gpu = 0;
  o.mps_per_gpu = 100;
  o.type = "h100nvl";
  const GresPlan m = plan_gres(inv, o);
  EXPECT_EQ(m.node_gres, "gpu:h100nvl:3,mps:300");
  EXPECT_EQ(m.gres_types, "gpu,mps");
  o.shards_per_gpu = 2;
  EXPECT_THROW(plan_gres(inv, o), Error);  // shards and MPS together
  EXPECT_THROW(plan_gres(telemetry::Snapshot{}, GresOptions{"n"}), Error);
}

TEST(SlurmGres, MigInstancesWithCapabilityDevices) {
  telemetry::Snapshot inv;
  auto g = gpu(0, "NVIDIA A100-SXM4-40GB");
  g.mig_enabled = true;
  for (auto [gi, prof] : {std::pair{1u, "3g.20gb"}, std::pair{2u, "1g.5gb"}, std::pair{3u, "1g.5gb"}}) {
    telemetry::MigInstance m;
    m.name = std::string("NVIDIA A100-SXM4-40GB MIG ") + prof;
    m.gpu_instance = gi;
    g.mig_instances.push_back(m);
  }
  inv.gpus = {g, gpu(1, "NVIDIA A100-SXM4-40GB")};
  GresOptions o;
  o.node_name = "n1";
  o.mig_minors = "config 1\nmonitor 2\ngpu0/gi1/access 12\ngpu0/gi1/ci0/access 13\ngpu0/gi2/access 21\ngpu0/gi2/ci0/access 22\n"
                 "gpu0/gi3/access 30\ngpu0/gi3/ci0/access 31\n";
  const GresPlan p = plan_gres(inv, o);
  EXPECT_EQ(p.node_gres, "gpu:a100_3g.20gb:1,gpu:a100_1g.5gb:2,gpu:a100:1");
  EXPECT_NE(p.gres_conf.find("NodeName=n1 Name=gpu Type=a100_3g.20gb MultipleFiles=/dev/nvidia0,/dev/nvidia-caps/nvidia-cap12,"
                             "/dev/nvidia-caps/nvidia-cap13\n"),
            std::string::npos)
      << p.gres_conf;
  EXPECT_EQ(p.gres_conf.find("AutoDetect"), std::string::npos);
  // Without the minors, MIG files are left to Slurm's NVML autodetection, and the notes say so.
  o.mig_minors.clear();
  const GresPlan a = plan_gres(inv, o);
  EXPECT_NE(a.gres_conf.find("NodeName=n1 AutoDetect=nvml\n"), std::string::npos);
  EXPECT_EQ(a.node_gres, p.node_gres);
}

TEST(SlurmJobs, ParsesSqueueAndSacct) {
  const auto q = parse_squeue(
      "17|alice|nlp|gpu|RUNNING|2026-12-03T10:00:00|2026-12-03T12:00:00|node1|gres/shard:2|train|v2\n"
      "18|bob|(null)|gpu|PENDING|N/A|N/A||N/A|nb\n");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].id, "17");
  EXPECT_EQ(q[0].gres, "gres/shard:2");
  EXPECT_EQ(q[0].name, "train|v2");  // the name is last and keeps its bars
  EXPECT_EQ(q[1].gres, "");
  EXPECT_EQ(q[1].account, "");  // squeue's "(null)"
  EXPECT_THROW(parse_squeue("17|alice\n"), Error);
  const auto a = parse_sacct(
      "21|carol|cv|gpu|COMPLETED|2026-12-02T01:00:00|2026-12-02T03:00:00|node2|billing=1,cpu=1,gres/gpu=1,mem=1G,node=1|job\n"
      "21.batch||cv||COMPLETED|2026-12-02T01:00:00|2026-12-02T03:00:00|node2|cpu=1,gres/gpu=1,mem=1G,node=1|batch\n");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].gres, "gres/gpu=1");
  EXPECT_EQ(a[0].state, "COMPLETED");
  try {
    parse_sacct("1|2|3\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sacct output line 1"), std::string::npos);
  }
}

namespace {

class ScriptedRunner : public CommandRunner {
 public:
  std::map<std::string, CommandResult> by_program;
  std::vector<std::vector<std::string>> calls;
  CommandResult run(const std::vector<std::string>& argv) override {
    calls.push_back(argv);
    return by_program[argv[0]];
  }
};

telemetry::WorkloadUsage usage(const std::string& job, double cost, double idle, double busy, double known) {
  telemetry::WorkloadUsage u;
  u.key = job;
  u.users = "alice";
  u.cost = cost;
  u.idle_cost = idle;
  u.gpu_seconds = known;
  u.busy_seconds = busy;
  u.known_seconds = known;
  return u;
}

}  // namespace

TEST(SlurmReport, JoinsJobsWithHistoryAndFlagsIdleOnes) {
  ScriptedRunner run;
  run.by_program["squeue"] = {0, "5|alice|nlp|gpu|RUNNING|x|y|n1|gres/gpu:1|a\n6|bob|cv|gpu|RUNNING|x|y|n1|gres/shard:1|b\n"
                                 "7|bob|cv|gpu|PENDING|x|y||gres/gpu:8|c\n", ""};
  run.by_program["sacct"] = {1, "", "sacct: error: Slurm accounting storage is disabled\n"};
  const JobListing l = list_jobs(run, "2026-12-01T00:00:00");
  ASSERT_EQ(l.jobs.size(), 3u);
  ASSERT_EQ(l.notes.size(), 1u);
  EXPECT_NE(l.notes[0].find("accounting storage is disabled"), std::string::npos);
  EXPECT_EQ(run.calls[1][0], "sacct");
  EXPECT_NE(std::find(run.calls[1].begin(), run.calls[1].end(), "2026-12-01T00:00:00"), run.calls[1].end());

  // Two nodes' histories: job 5 ran on both; job 9 is gone from Slurm.
  const auto merged = merge_usage({{usage("5", 1.0, 0.9, 10, 100), usage("", 3, 3, 0, 0)},
                                   {usage("5", 1.0, 0.2, 80, 100), usage("6", 2.0, 0.1, 95, 100), usage("9", 1, 0.6, 0, 10)}});
  const JobReport r = build_report(l, merged, 0.5);
  ASSERT_EQ(r.jobs.size(), 4u);  // 5, 6, 7 (no agent data), 9
  EXPECT_EQ(r.jobs[0].job.id, "5");
  EXPECT_NEAR(r.jobs[0].usage.cost, 2.0, 1e-12);
  EXPECT_NEAR(r.jobs[0].usage.idle_cost, 1.1, 1e-12);
  EXPECT_TRUE(r.jobs[0].flagged);  // 1.1 of 2.0 idle
  EXPECT_NEAR(r.jobs[0].usage.utilization(), 90.0 / 200, 1e-12);
  EXPECT_EQ(r.jobs[1].job.id, "9");
  EXPECT_FALSE(r.jobs[1].known_to_slurm);
  EXPECT_TRUE(r.jobs[1].flagged);
  EXPECT_EQ(r.jobs[2].job.id, "6");
  EXPECT_FALSE(r.jobs[2].flagged);
  EXPECT_EQ(r.jobs[3].job.id, "7");
  EXPECT_FALSE(r.jobs[3].has_usage);
  ASSERT_EQ(r.by_account.size(), 3u);  // nlp, cv, and "(none)" for the job Slurm forgot
  EXPECT_EQ(r.by_account[0].key, "nlp");
  EXPECT_EQ(r.by_account[0].flagged, 1);
  EXPECT_EQ(r.notes.size(), 2u);

  run.by_program["squeue"] = {1, "", "squeue: error: Unable to contact slurm controller\n"};
  EXPECT_THROW(list_jobs(run, "x"), Error);  // neither source answered
}

TEST(SlurmSubmit, WindowsBecomeBeginAndTimeLimit) {
  setenv("TZ", "UTC", 1);
  tzset();
  const std::time_t now = 1'764'730'800;  // 2025-12-03T03:00:00Z
  SbatchRequest r;
  r.command = {"python3", "train.py", "--note", "it's night"};
  r.name = "train";
  r.gpus = 2;
  r.window = schedd::parse_window("04:30-06:00");
  SbatchPlan p = plan_sbatch(r, now);
  EXPECT_EQ(p.begin, "2025-12-03T04:30:00");
  EXPECT_EQ(p.time_limit_min, 90);
  EXPECT_EQ(p.argv.back(), "--wrap=python3 train.py --note 'it'\\''s night'");
  EXPECT_NE(std::find(p.argv.begin(), p.argv.end(), "--gres=gpu:2"), p.argv.end());
  EXPECT_NE(std::find(p.argv.begin(), p.argv.end(), "--begin=2025-12-03T04:30:00"), p.argv.end());
  // Inside a window that wraps midnight: now, until it closes.
  r.window = schedd::parse_window("22:00-04:00");
  p = plan_sbatch(r, now);
  EXPECT_EQ(p.begin, "now");
  EXPECT_EQ(p.time_limit_min, 60);
  // Just after it closed: tomorrow's opening, for the window's length.
  r.window = schedd::parse_window("01:00-02:30");
  p = plan_sbatch(r, now);
  EXPECT_EQ(p.begin, "2025-12-04T01:00:00");
  EXPECT_EQ(p.time_limit_min, 90);
  // Shares become shards of the cluster's count.
  r.window.reset();
  r.gpus = 0.5;
  EXPECT_THROW(plan_sbatch(r, now), Error);
  r.shards_per_gpu = 4;
  p = plan_sbatch(r, now);
  EXPECT_NE(std::find(p.argv.begin(), p.argv.end(), "--gres=shard:2"), p.argv.end());
  EXPECT_EQ(p.time_limit_min, 0);
  r.gpus = 1.5;
  EXPECT_THROW(plan_sbatch(r, now), Error);
  EXPECT_THROW(plan_sbatch(SbatchRequest{}, now), Error);
}

TEST(SlurmCommand, RunsProgramsWithoutAShell) {
  ProcessRunner run;
  const auto r = run.run({"sh", "-c", "printf 'out %s' \"$1\"; printf err >&2; exit 3", "sh", "a;b"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.out, "out a;b");
  EXPECT_EQ(r.err, "err");
  EXPECT_EQ(run.run({"/nonexistent/squeue"}).status, -1);
  // Large output on both pipes does not deadlock.
  const auto big = run.run({"sh", "-c", "head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2"});
  EXPECT_EQ(big.out.size(), 300000u);
  EXPECT_EQ(big.err.size(), 300000u);
}
