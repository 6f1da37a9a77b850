// Workload attribution: cgroup paths as Slurm, the kubelet (cgroupfs and systemd drivers, cgroup v1
// and v2), Docker, containerd and systemd write them, and the environment where cgroups say nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "telemetry/proc_info.h"
#include "telemetry/workload.h"
#include "telemetry/workload_accounting.h"
#include "test_util.h"

using namespace frugal::telemetry;

namespace {

std::string env(std::initializer_list<std::string> kv) {
  std::string s;
  for (const auto& x : kv) s += x + '\0';
  return s;
}

}  // namespace

TEST(WorkloadCgroup, SlurmJobOnCgroupV1AndV2) {
  Workload v1 = workload_from_cgroup(
      "12:pids:/slurm/uid_1000/job_4242/step_0/task_0\n11:memory:/slurm/uid_1000/job_4242/step_0\n"
      "1:name=systemd:/system.slice/slurmd.service\n");
  EXPECT_EQ(v1.kind, WorkloadKind::kSlurmJob);
  EXPECT_EQ(v1.job, "4242");
  EXPECT_EQ(v1.id(), "slurm/4242");
  Workload v2 = workload_from_cgroup("0::/system.slice/slurmstepd.scope/job_77/step_batch/user/task_0\n");
  EXPECT_EQ(v2.kind, WorkloadKind::kSlurmJob);
  EXPECT_EQ(v2.job, "77");
  // Several slurmd on one host (multiple-slurmd builds) put the node name in the path.
  EXPECT_EQ(workload_from_cgroup("0::/system.slice/node1_slurmstepd.scope/job_5/step_0\n").job, "5");
}

TEST(WorkloadCgroup, KubernetesPodsUnderBothDrivers) {
  const std::string cid = "3f2a" + std::string(60, 'b');
  Workload cgroupfs = workload_from_cgroup("4:memory:/kubepods/burstable/pod0d4c8a1e-52b9-4a7e-9c3f-1b2d3e4f5a6b/" + cid + "\n");
  EXPECT_EQ(cgroupfs.kind, WorkloadKind::kPod);
  EXPECT_EQ(cgroupfs.pod_uid, "0d4c8a1e-52b9-4a7e-9c3f-1b2d3e4f5a6b");
  EXPECT_EQ(cgroupfs.container_id, cid);
  EXPECT_EQ(cgroupfs.id(), "pod/0d4c8a1e-52b9-4a7e-9c3f-1b2d3e4f5a6b");  // name unknown yet
  Workload systemd = workload_from_cgroup(
      "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0d4c8a1e_52b9_4a7e_9c3f_1b2d3e4f5a6b.slice/"
      "cri-containerd-" + cid + ".scope\n");
  EXPECT_EQ(systemd.kind, WorkloadKind::kPod);
  EXPECT_EQ(systemd.pod_uid, "0d4c8a1e-52b9-4a7e-9c3f-1b2d3e4f5a6b");
  EXPECT_EQ(systemd.container_id, cid);
  // Guaranteed QoS pods sit directly under kubepods; a private cgroup namespace shows "/../..".
  EXPECT_EQ(workload_from_cgroup("0::/../../kubepods-podabc_def.slice/crio-" + cid + ".scope\n").pod_uid, "abc-def");
}

TEST(WorkloadCgroup, ContainersUnitsAndUsers) {
  const std::string cid = std::string(64, 'a');
  Workload docker = workload_from_cgroup("0::/system.slice/docker-" + cid + ".scope\n");
  EXPECT_EQ(docker.kind, WorkloadKind::kContainer);
  EXPECT_EQ(docker.id(), "container/aaaaaaaaaaaa");
  EXPECT_EQ(workload_from_cgroup("3:cpu,cpuacct:/docker/" + cid + "\n").kind, WorkloadKind::kContainer);
  Workload unit = workload_from_cgroup("0::/system.slice/vllm-serve.service\n");
  EXPECT_EQ(unit.kind, WorkloadKind::kUnit);
  EXPECT_EQ(unit.id(), "unit/vllm-serve.service");
  // A login session or a user's own unit is the user's.
  EXPECT_EQ(workload_from_cgroup("0::/user.slice/user-1000.slice/session-4.scope\n").kind, WorkloadKind::kUser);
  EXPECT_EQ(workload_from_cgroup("0::/user.slice/user-1000.slice/user@1000.service/app.slice/jupyter.service\n").kind,
            WorkloadKind::kUser);
  EXPECT_EQ(workload_from_cgroup("0::/\n").kind, WorkloadKind::kUser);
  EXPECT_EQ(workload_from_cgroup("garbage without colons").kind, WorkloadKind::kUser);
  EXPECT_EQ(workload_from_cgroup("").kind, WorkloadKind::kUser);
}

TEST(WorkloadEnvironment, SlurmWithoutCgroupsAndPodsByName) {
  // proctrack/linuxproc: no Slurm cgroup, the job is in the environment (with its account).
  Workload w = workload_from_cgroup("0::/system.slice/slurmd.service\n");
  w.user = "root";
  add_environment(w, env({"PATH=/bin", "SLURM_JOB_ID=918", "SLURM_JOB_USER=alice", "SLURM_JOB_ACCOUNT=nlp",
                          "SLURM_JOB_PARTITION=gpu"}));
  EXPECT_EQ(w.id(), "slurm/918");
  EXPECT_EQ(w.user, "alice");
  EXPECT_EQ(w.account, "nlp");
  EXPECT_EQ(w.partition, "gpu");
  // A job id that disagrees with the cgroup's (an inherited variable) does not win.
  Workload c = workload_from_cgroup("0::/system.slice/slurmstepd.scope/job_5/step_0\n");
  add_environment(c, env({"SLURM_JOB_ID=6"}));
  EXPECT_EQ(c.job, "5");
  EXPECT_TRUE(c.account.empty());

  Workload pod = workload_from_cgroup("0::/kubepods.slice/kubepods-pod1234.slice/cri-containerd-" + std::string(64, 'c') + ".scope\n");
  add_environment(pod, env({"KUBERNETES_SERVICE_HOST=10.0.0.1", "HOSTNAME=trainer-0"}));
  EXPECT_EQ(pod.id(), "pod/?/trainer-0");
  add_environment(pod, env({"POD_NAME=trainer-0", "POD_NAMESPACE=ml"}));
  EXPECT_EQ(pod.id(), "pod/ml/trainer-0");
  // HOSTNAME outside Kubernetes names nothing.
  Workload plain = workload_from_cgroup("0::/\n");
  plain.user = "bob";
  add_environment(plain, env({"HOSTNAME=box"}));
  EXPECT_EQ(plain.id(), "user/bob");
}

TEST(WorkloadLabels, BoundedAndNonEmpty) {
  Workload w;
  w.kind = WorkloadKind::kSlurmJob;
  w.job = "1";
  w.user = "alice";
  w.account = "nlp";
  const auto l = w.labels();
  ASSERT_EQ(l.size(), 5u);
  EXPECT_EQ(l[0], (std::pair<std::string, std::string>{"workload", "slurm/1"}));
  EXPECT_EQ(l[1].second, "slurm");
  for (const auto& [k, v] : l) EXPECT_FALSE(v.empty()) << k;
}

TEST(WorkloadResolve, ReadsAProcTree) {
  const std::string root = (std::filesystem::temp_directory_path() / ("proc_" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(root + "/321");
  std::ofstream(root + "/321/cgroup") << "0::/system.slice/slurmstepd.scope/job_12/step_0/user/task_0\n";
  std::ofstream(root + "/321/environ", std::ios::binary) << env({"SLURM_JOB_ID=12", "SLURM_JOB_ACCOUNT=cv"});
  std::ofstream(root + "/321/stat") << "321 (python3 x) S 1 321 321 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1 1";
  Workload w = resolve_workload(321, "carol", root);
  EXPECT_EQ(w.id(), "slurm/12");
  EXPECT_EQ(w.user, "carol");
  EXPECT_EQ(w.account, "cv");
  EXPECT_EQ(process_start_time(321, root), "98765");
  EXPECT_EQ(process_start_time(999, root), "");
  // The real /proc: this test's own process, whatever cgroup the machine runs it in.
  EXPECT_FALSE(process_start_time(static_cast<unsigned>(getpid())).empty());
  EXPECT_FALSE(resolve_workload(static_cast<unsigned>(getpid()), "me").id().empty());
  std::filesystem::remove_all(root);
}

// --- splitting a GPU's dollars among its workloads ---

namespace {

GpuProcess proc(unsigned pid, const std::string& user, std::optional<double> sm, double mem_gib = 1) {
  GpuProcess p;
  p.pid = pid;
  p.user = user;
  p.sm_ratio = sm;
  p.memory_bytes = static_cast<std::uint64_t>(mem_gib * 1073741824.0);
  p.workload.user = user;
  return p;
}

AccountStep step_for(const GpuSample& g, double seconds, double cost) {
  AccountStep s;
  s.uuid = gpu_key(g);
  s.index = g.index;
  s.seconds = seconds;
  s.cost = cost;
  return s;
}

double sum_cost(const std::vector<WorkloadStep>& v) {
  double c = 0;
  for (const auto& s : v) c += s.cost;
  return c;
}

}  // namespace

TEST(WorkloadAccounting, MpsSharesSplitByUseAndUnusedEqually) {
  WorkloadAccountant acct({3600, 100}, nullptr);
  Snapshot s;
  s.time = 10;
  GpuSample g;
  g.uuid = "GPU-1";
  g.utilization = 0.7;
  g.processes = {proc(1, "alice", 0.6), proc(2, "bob", 0.1), proc(3, "bob", 0.0)};
  s.gpus = {g};
  const auto steps = acct.update(s, {step_for(g, 10, 1.0)});
  ASSERT_EQ(steps.size(), 2u);  // two workloads (alice, bob), not three processes
  // Used 0.7, unused 0.3 split in two: alice 0.6 + 0.15, bob 0.1 + 0.15.
  EXPECT_NEAR(steps[0].cost, 0.75, 1e-12);
  EXPECT_NEAR(steps[1].cost, 0.25, 1e-12);
  EXPECT_NEAR(steps[0].idle_cost, 0.15, 1e-12);
  EXPECT_NEAR(steps[1].idle_cost, 0.15, 1e-12);
  EXPECT_NEAR(steps[0].gpu_seconds + steps[1].gpu_seconds, 10, 1e-12);
  EXPECT_NEAR(steps[1].memory_bytes, 2 * 1073741824.0, 1);
  EXPECT_NEAR(sum_cost(steps), 1.0, 1e-12);
  const WorkloadAccount& bob = acct.accounts().at("user/bob");
  EXPECT_NEAR(bob.utilization(), 0.1 / 0.25, 1e-12);
}

TEST(WorkloadAccounting, LoneWorkloadTakesTheGpuUtilizationAndOversubscriptionIsScaled) {
  WorkloadAccountant acct({3600, 100}, nullptr);
  Snapshot s;
  s.time = 1;
  GpuSample lone;
  lone.uuid = "GPU-A";
  lone.utilization = 0.05;
  lone.processes = {proc(1, "idler", std::nullopt)};
  GpuSample over;
  over.index = 1;
  over.uuid = "GPU-B";
  over.processes = {proc(2, "x", 0.9), proc(3, "y", 0.6)};  // samples from different instants
  GpuSample empty;
  empty.index = 2;
  empty.uuid = "GPU-C";
  s.gpus = {lone, over, empty};
  const auto steps = acct.update(s, {step_for(lone, 1, 2.0), step_for(over, 1, 2.0), step_for(empty, 1, 2.0)});
  ASSERT_EQ(steps.size(), 3u);  // the empty GPU charges nobody
  EXPECT_NEAR(steps[0].idle_cost, 0.95 * 2.0, 1e-12);
  EXPECT_NEAR(steps[1].cost, 2.0 * 0.9 / 1.5, 1e-12);
  EXPECT_NEAR(steps[2].cost, 2.0 * 0.6 / 1.5, 1e-12);
  EXPECT_NEAR(steps[1].idle_cost + steps[2].idle_cost, 0, 1e-12);
}

TEST(WorkloadAccounting, MigInstancesPayForTheirSlices) {
  const std::string data = std::string(FRUGAL_TEST_DATA_DIR);
  WorkloadAccountant acct({3600, 100}, load_mig_slices(data));
  Snapshot s;
  s.time = 5;
  GpuSample g;
  g.uuid = "GPU-M";
  g.name = "NVIDIA A100-SXM4-40GB";
  g.mig_enabled = true;
  MigInstance a, b;
  a.uuid = "MIG-a";
  a.name = "NVIDIA A100-SXM4-40GB MIG 3g.20gb";
  a.gpu_instance = 1;
  b.uuid = "MIG-b";
  b.name = "NVIDIA A100-SXM4-40GB MIG 1g.5gb";
  b.gpu_instance = 2;
  g.mig_instances = {a, b};
  GpuProcess p1 = proc(1, "alice", std::nullopt), p2 = proc(2, "bob", std::nullopt);
  p1.gpu_instance = 1;
  p2.gpu_instance = 2;
  g.processes = {p1, p2};
  s.gpus = {g};
  const auto steps = acct.update(s, {step_for(g, 7, 7.0)});
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].mig_uuid, "MIG-a");
  EXPECT_NEAR(steps[0].cost, 3.0, 1e-12);  // 3 of 7 slices
  EXPECT_NEAR(steps[1].cost, 1.0, 1e-12);
  EXPECT_FALSE(steps[0].utilization_known);  // NVML has no per-instance utilization
  EXPECT_EQ(steps[0].idle_cost, 0);
  // The other 3 slices hold no instance: nobody pays for them; the GPU's own idle time does.
  EXPECT_NEAR(sum_cost(steps), 4.0, 1e-12);
}

TEST(WorkloadAccounting, SeriesExpireAndAreCapped) {
  WorkloadAccountant acct({100, 2}, nullptr);
  auto at = [&](double t, std::vector<std::string> users) {
    Snapshot s;
    s.time = t;
    GpuSample g;
    g.uuid = "GPU-1";
    g.utilization = 1;
    unsigned pid = 1;
    for (const auto& u : users) g.processes.push_back(proc(pid++, u, 0.2));
    s.gpus = {g};
    acct.update(s, {step_for(g, 1, 1)});
  };
  at(0, {"a"});
  at(1, {"b", "c"});  // cap 2: "a", least recently seen, goes
  EXPECT_EQ(acct.accounts().size(), 2u);
  EXPECT_FALSE(acct.accounts().contains("user/a"));
  at(150, {"b"});  // "c" unseen for 149 s > 100
  EXPECT_EQ(acct.accounts().size(), 1u);
  EXPECT_TRUE(acct.accounts().contains("user/b"));
}
