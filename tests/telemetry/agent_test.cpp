// The agent end to end in-process: fake NVML -> cycle -> HTTP /metrics, /healthz, /api/v1/gpus;
// history and EMF outputs; and a scrape while NVML hangs.
#include <gtest/gtest.h>
#include <httplib.h>
#include <pwd.h>
#include <sys/wait.h>
#include <csignal>
#include <unistd.h>

#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "adversarial/raw_client.h"
#include "core/error.h"
#include "fake_nvml_util.h"
#include "telemetry/agent.h"
#include "telemetry/server.h"

using namespace frugal::telemetry;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
// The value on the line that starts with `series` (name and labels), or NaN.
double value_of(const std::string& text, const std::string& series) {
  const auto p = text.find(series + " ");
  if (p == std::string::npos) return std::nan("");
  return std::stod(text.substr(p + series.size() + 1));
}
std::string me() {
  struct passwd* pw = getpwuid(getuid());
  return pw ? pw->pw_name : std::to_string(getuid());
}
std::string tmp(const std::string& name) {
  return temp_path("frugal_agent_" + name);
}
}  // namespace

TEST(Agent, ServesMetricsHealthAndJson) {
  std::ifstream in(scenario_file("two_a100.json"));
  std::stringstream ss;
  ss << in.rdbuf();
  auto src = open_fake(ss.str());
  ASSERT_TRUE(src);
  CostAccountant acct(IdlePolicy{0.10, 300, 60}, 4.0);
  const std::string db = tmp("hist.db"), textfile = tmp("frugal.prom"), emf = tmp("emf.log");
  HistoryStore history(db, Retention{86400, 86400 * 30.0, 86400 * 365.0});
  AsyncPublisher* pub_ptr = nullptr;
  {
    AsyncPublisher pub(std::make_unique<EmfFilePublisher>(emf, "frugal/GPU"));
    pub_ptr = &pub;
    AgentOptions opt;
    opt.textfile = textfile;
    opt.publish_interval_s = 60;
    opt.context = {"p4d.24xlarge", "on-demand"};
    Agent agent(*src, acct, &history, pub_ptr, opt);
    MetricsServer server(agent, "127.0.0.1:0", 1);
    httplib::Client cli("127.0.0.1", server.port());
    auto early = cli.Get("/metrics");
    ASSERT_TRUE(early);
    EXPECT_EQ(early->status, 503);  // nothing sampled yet: say so, don't serve zeros

    const double t0 = std::floor(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
    for (int k = 0; k <= 120; ++k) agent.cycle(t0 - 120 + k);  // two minutes of samples ending now

    auto res = cli.Get("/metrics");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), kPrometheusTextContentType);
    const std::string& m = res->body;
    EXPECT_NE(m.find("frugal_gpu_utilization_ratio{gpu=\"0\",uuid=\"GPU-aaaaaaaa-0000-0000-0000-000000000000\"} 0.85\n"), std::string::npos) << m;
    EXPECT_NE(m.find("frugal_gpu_info{gpu=\"1\",uuid=\"GPU-bbbbbbbb-0000-0000-0000-000000000000\",name=\"NVIDIA A100-SXM4-40GB\","
                     "pci_bus_id=\"00000000:10:1D.0\",driver_version=\"550.54.15\",instance_type=\"p4d.24xlarge\"} 1\n"),
              std::string::npos);
    EXPECT_NE(m.find("frugal_gpu_power_watts{gpu=\"0\",uuid=\"GPU-aaaaaaaa-0000-0000-0000-000000000000\"} 250\n"), std::string::npos);
    EXPECT_NE(m.find("frugal_gpu_memory_used_bytes{gpu=\"0\",uuid=\"GPU-aaaaaaaa-0000-0000-0000-000000000000\"} 10737418240\n"), std::string::npos);
    // Per workload by default, never per pid (issue 16: pids multiply series).
    EXPECT_EQ(m.find("pid=\""), std::string::npos) << m;
    EXPECT_NE(m.find("frugal_workload_memory_used_bytes{workload=\""), std::string::npos) << m;
    EXPECT_NE(m.find("user=\"" + me() + "\""), std::string::npos) << m;
    // Command lines can carry secrets and the agent listens on all interfaces: not by default.
    EXPECT_EQ(m.find("command="), std::string::npos);
    // 120 s charged at $4/GPU-h = $0.1333...; GPU 1 sat at 0% for 120 s, under the 300 s grace.
    EXPECT_NEAR(value_of(m, "frugal_gpu_cost_dollars_total{gpu=\"1\",uuid=\"GPU-bbbbbbbb-0000-0000-0000-000000000000\"}"), 120 * 4.0 / 3600, 1e-12);
    EXPECT_NE(m.find("frugal_gpu_idle_seconds_total{gpu=\"1\",uuid=\"GPU-bbbbbbbb-0000-0000-0000-000000000000\"} 0\n"), std::string::npos);
    EXPECT_NE(m.find("frugal_agent_samples_total 121\n"), std::string::npos);

    httplib::Headers om = {{"Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"}};
    auto res_om = cli.Get("/metrics", om);
    ASSERT_TRUE(res_om);
    EXPECT_EQ(res_om->get_header_value("Content-Type"), kOpenMetricsContentType);
    EXPECT_EQ(res_om->body.substr(res_om->body.size() - 6), "# EOF\n");
    EXPECT_NE(res_om->body.find("# TYPE frugal_gpu_idle_cost_dollars counter\n"), std::string::npos);

    auto health = cli.Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(nlohmann::json::parse(health->body)["status"], "ok");

    auto api = cli.Get("/api/v1/gpus");
    ASSERT_TRUE(api);
    const auto j = nlohmann::json::parse(api->body);
    ASSERT_EQ(j["gpus"].size(), 2u);
    EXPECT_EQ(j["gpus"][0]["processes"][0]["pid"], getpid());
    EXPECT_EQ(j["gpus"][0]["processes"][0]["process"], "telemetry_test");
    EXPECT_FALSE(j["gpus"][0]["processes"][0].contains("command"));
    EXPECT_DOUBLE_EQ(j["gpus"][1]["watched_seconds"].get<double>(), 120);

    // The textfile holds the same exposition as the last scrape.
    EXPECT_EQ(slurp(textfile), m);
    // History: the report query sees the same two minutes.
    const auto usage = history.usage(t0 - 200, t0 + 1);
    ASSERT_EQ(usage.size(), 2u);
    EXPECT_DOUBLE_EQ(usage[0].seconds, 120);
    EXPECT_NEAR(usage[0].mean_utilization, 0.85, 1e-12);
  }  // the publisher drains on destruction
  // Publishing every 60 s: the first cycle opens the window; cycles at +60 and +120 publish.
  std::ifstream lines(emf);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_FALSE(j.contains("InstanceType"));  // not added by the library; the CLI adds dimensions
    EXPECT_TRUE(j.contains("GPUCost"));
    EXPECT_NEAR(j["GPUCost"].get<double>(), 60 * 4.0 / 3600, 1e-12);
    ++n;
  }
  EXPECT_EQ(n, 4);  // 2 publishes x 2 GPUs
  for (const auto& p : {db, textfile, emf}) std::filesystem::remove(p);
}

// A GpuSource that blocks inside sample() until released: the scrape must still answer from the
// previous cycle instead of waiting for NVML.
class BlockingSource : public GpuSource {
 public:
  Snapshot sample(double now) override {
    Snapshot s;
    s.time = now;
    GpuSample g;
    g.uuid = "GPU-slow";
    g.utilization = calls_ == 0 ? 0.25 : 0.75;
    s.gpus.push_back(g);
    if (calls_++ > 0) {
      std::unique_lock lock(mu_);
      entered_ = true;
      cv_.notify_all();
      cv_.wait(lock, [this] { return released_; });
    }
    return s;
  }
  std::string describe() const override { return "blocking"; }
  int device_count() const override { return 1; }
  void wait_entered() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return entered_; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  int calls_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false, released_ = false;
};

TEST(Agent, ScrapeDoesNotWaitForNvml) {
  BlockingSource src;
  CostAccountant acct(IdlePolicy{0.1, 300, 60}, 0);
  Agent agent(src, acct, nullptr, nullptr, AgentOptions{});
  MetricsServer server(agent, "127.0.0.1:0", 1);
  agent.cycle(1000);
  auto stuck = std::async(std::launch::async, [&] { agent.cycle(1001); });
  src.wait_entered();  // the second cycle is now inside "NVML"
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(30, 0);
  auto res = cli.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("frugal_gpu_utilization_ratio{gpu=\"0\",uuid=\"GPU-slow\"} 0.25\n"), std::string::npos);
  src.release();
  stuck.get();
  EXPECT_NE(cli.Get("/metrics")->body.find("} 0.75\n"), std::string::npos);
}

TEST(Agent, ListenAddressErrors) {
  EXPECT_THROW(frugal::http::parse_listen("9401"), frugal::Error);
  EXPECT_THROW(frugal::http::parse_listen(":99999"), frugal::Error);
  EXPECT_THROW(frugal::http::parse_listen("host:abc"), frugal::Error);
  EXPECT_EQ(frugal::http::parse_listen(":9401"), std::make_pair(std::string("0.0.0.0"), 9401));
  EXPECT_EQ(frugal::http::parse_listen("[::1]:9401"), std::make_pair(std::string("::1"), 9401));
}

// --expose-cmdline: the owner of the machine chose to serve command lines; they come with the name.
TEST(Agent, ServesCommandLinesOnlyWhenAskedTo) {
  const std::string scenario = slurp(scenario_file("two_a100.json"));
  for (const bool expose : {false, true}) {
    SCOPED_TRACE(expose);
    auto src = open_fake(scenario);
    ASSERT_TRUE(src);
    CostAccountant acct(IdlePolicy{0.10, 300, 60}, 4.0);
    AgentOptions opt;
    opt.expose_cmdline = expose;
    opt.context.process_metrics = true;
    Agent agent(*src, acct, nullptr, nullptr, opt);
    agent.cycle(1000);
    const auto p = agent.latest();
    const std::string& m = p->prometheus_text;
    const auto j = published_json(*p);
    const auto& proc = j["gpus"][0]["processes"][0];
    EXPECT_EQ(proc["process"], "telemetry_test");
    if (expose) {
      EXPECT_NE(m.find("pid=\"" + std::to_string(getpid()) + "\",user=\"" + me() + "\",process=\"telemetry_test\",workload=\""),
                std::string::npos) << m;
      EXPECT_NE(m.find(",command=\""), std::string::npos) << m;
      EXPECT_NE(proc["command"].get<std::string>().find("telemetry_test"), std::string::npos);
    } else {
      EXPECT_EQ(m.find("command="), std::string::npos) << m;
      EXPECT_FALSE(proc.contains("command"));
    }
  }
}

// Issue 14: 8 connections sending a header line a second made every scrape time out, and 200
// idle ones did the same. Now 64 slow ones and 300 idle ones are held while scrapes answer.
TEST(Agent, ScrapesAnswerWhileSlowAndIdleClientsHoldConnections) {
  using namespace frugal::testing;
  auto src = open_fake(slurp(scenario_file("two_a100.json")));
  ASSERT_TRUE(src);
  CostAccountant acct(IdlePolicy{0.10, 300, 60}, 4.0);
  Agent agent(*src, acct, nullptr, nullptr, AgentOptions{});
  agent.cycle(1000);
  MetricsServer server(agent, "127.0.0.1:0", 1);
  std::vector<RawConn> hold;
  for (int i = 0; i < 300; ++i) hold.emplace_back(server.port());  // idle
  for (int i = 0; i < 64; ++i) {
    hold.emplace_back(server.port());
    hold.back().send("GET /metrics HTTP/1.1\r\n");  // a head that dribbles
  }
  double worst = 0;
  for (int k = 0; k < 10; ++k) {
    for (std::size_t i = 300; i < hold.size(); ++i) hold[i].send("X-Slow: 1\r\n");
    const auto t0 = std::chrono::steady_clock::now();
    RawConn c(server.port());
    c.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string got = c.response(5);
    worst = std::max(worst, seconds_since(t0));
    EXPECT_EQ(status_of(got), 200);
    EXPECT_NE(got.find("frugal_gpu_utilization_ratio{gpu=\"0\""), std::string::npos);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_LT(worst, 1.0);
}

// Real processes with a Slurm job's environment (as slurmd's proctrack/linuxproc leaves them),
// found by the fake NVML through pid files: the agent reads their /proc environ, and the history
// answers "which job burned what". Job 101 shares GPU 0 (90% SM), job 102 holds GPU 1 idle.
TEST(Agent, AttributesGpuTimeToSlurmJobsFromTheirEnvironment) {
  const std::string dir = tmp("jobs");
  std::filesystem::create_directories(dir);
  std::vector<pid_t> children;
  auto start_job = [&](const std::string& job, const std::string& account) {
    const pid_t pid = fork();
    if (pid == 0) {
      const std::string id = "SLURM_JOB_ID=" + job, acc = "SLURM_JOB_ACCOUNT=" + account;
      char* const argv[] = {const_cast<char*>("sleep"), const_cast<char*>("30"), nullptr};
      char* const envp[] = {const_cast<char*>(id.c_str()), const_cast<char*>(acc.c_str()),
                            const_cast<char*>("SLURM_JOB_PARTITION=gpu"), nullptr};
      execve("/bin/sleep", argv, envp);
      _exit(127);
    }
    children.push_back(pid);
    std::ofstream(dir + "/" + job + ".pid") << pid;
  };
  start_job("101", "nlp");
  start_job("102", "vision");
  const std::string scenario = R"({"devices": [
    {"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-0", "utilization": [{"cycles": 1000, "gpu": 90}], "power_mw": 500000,
     "processes": [{"pid_file": ")" + dir + R"(/101.pid", "memory": 8589934592, "sm": 90}]},
    {"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-1", "utilization": 0, "power_mw": 100000,
     "processes": [{"pid_file": ")" + dir + R"(/102.pid", "memory": 1073741824, "sm": 0},
                   {"pid_file": ")" + dir + R"(/gone.pid", "sm": 50}]}]})";
  auto src = open_fake(scenario);
  ASSERT_TRUE(src);
  CostAccountant acct(IdlePolicy{0.10, 300, 60}, 3.6);  // $0.001 per GPU-second
  const std::string db = tmp("jobs.db");
  HistoryStore history(db, Retention{86400, 86400 * 30.0, 86400 * 365.0});
  Agent agent(*src, acct, &history, nullptr, AgentOptions{});
  const double t0 = 1'700'000'000;
  for (int k = 0; k <= 100; ++k) agent.cycle(t0 + k);
  for (pid_t p : children) {
    kill(p, SIGKILL);
    waitpid(p, nullptr, 0);
  }

  const auto jobs = history.workload_usage(t0, t0 + 200, "job");
  ASSERT_EQ(jobs.size(), 2u);
  // 100 s of each GPU at $0.001/s: job 101 used 90% of GPU 0 and left 10% idle; job 102 left all
  // of GPU 1 idle.
  EXPECT_EQ(jobs[0].key, "101");
  EXPECT_EQ(jobs[1].key, "102");
  EXPECT_NEAR(jobs[0].cost, 0.1, 1e-9);
  EXPECT_NEAR(jobs[0].idle_cost, 0.01, 1e-9);
  EXPECT_NEAR(jobs[0].utilization(), 0.9, 1e-9);
  EXPECT_NEAR(jobs[1].cost, 0.1, 1e-9);
  EXPECT_NEAR(jobs[1].idle_cost, 0.1, 1e-9);
  EXPECT_NEAR(jobs[0].energy_joules, 100 * 500, 1e-6);
  EXPECT_NEAR(jobs[0].max_memory_bytes, 8589934592.0, 1);
  EXPECT_EQ(jobs[0].users, me());
  const auto accounts = history.workload_usage(t0, t0 + 200, "account");
  ASSERT_EQ(accounts.size(), 2u);
  EXPECT_EQ(accounts[1].key, "vision");
  EXPECT_NEAR(accounts[1].idle_cost, 0.1, 1e-9);
  // Nothing here is a pod: one group of workloads outside the grouping.
  const auto pods = history.workload_usage(t0, t0 + 200, "pod");
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].key, "");
  EXPECT_EQ(pods[0].workloads, 2);
  EXPECT_THROW(history.workload_usage(t0, t0 + 200, "host"), frugal::Error);

  // /metrics: one series set per job, labelled with job, account and partition; no pids.
  const auto pub = agent.latest();
  EXPECT_NE(pub->prometheus_text.find(
                "frugal_workload_idle_cost_dollars_total{workload=\"slurm/102\",kind=\"slurm\",user=\"" + me() +
                "\",job=\"102\",account=\"vision\",partition=\"gpu\"}"),
            std::string::npos)
      << pub->prometheus_text;
  EXPECT_EQ(pub->prometheus_text.find("pid=\""), std::string::npos);
  std::filesystem::remove_all(dir);
}
