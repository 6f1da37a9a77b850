// The scheduler with real child processes (the frugal binary supervises each attempt) and an
// injected clock: placement and the variables a job sees, windows, preemption order, cron,
// submit-time rejection, and recovery of attempts a previous daemon started.
#include "schedd/scheduler.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "core/error.h"
#include "core/temp_dir.h"
#include "schedd/timing.h"

using namespace frugal;
using namespace frugal::schedd;

namespace {

class FakeClock : public Clock {
 public:
  double t = 0;
  double now() override { return t; }
};

// 2025-09-01 local time (the tests run with TZ=UTC).
double at(int hour, int minute) { return 1756684800.0 + hour * 3600 + minute * 60; }

struct Fixture {
  TempDir dir{"frugal-sched-test-", "the test"};
  std::string path(const std::string& f) const { return (dir.path() / f).string(); }
  JobStore store{path("jobs.db")};
  PosixLauncher launcher{dir.path().string(), FRUGAL_BIN};
  FakeClock clock;
  Scheduler sched;
  explicit Fixture(const std::string& gpus = "2xH100-80GB")
      : sched(store, launcher, clock, declared_inventory(gpus, FRUGAL_TEST_DATA_DIR)) {}

  JobSpec sh(const std::string& script, double gpus = 0) {
    JobSpec s;
    s.argv = {"/bin/sh", "-c", script};
    s.gpus = gpus;
    s.grace_s = 5;
    return s;
  }
  Job job(std::int64_t id) { return *store.get(id); }
  // Ticks (the clock standing still) until `pred` holds or 10 s pass.
  template <class P>
  bool tick_until(P pred) {
    for (int i = 0; i < 1000; ++i) {
      sched.tick();
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::string read(const std::string& f) {
    std::ifstream in(path(f));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

struct Utc {
  Utc() {
    setenv("TZ", "UTC", 1);
    tzset();
  }
} utc;

}  // namespace

TEST(Sched, SharesPackOneGpuAndSeeTheirMpsLimits) {
  Fixture f;
  const auto a = f.sched.submit(f.sh("env > " + f.path("a.env") + "; sleep 0.3", 0.5));
  auto spec = f.sh("env > " + f.path("b.env") + "; sleep 0.3", 0.5);
  spec.gpu_mem_mib = 20480;
  const auto b = f.sched.submit(spec);
  ASSERT_TRUE(f.tick_until([&] { return f.job(a).state == State::kDone && f.job(b).state == State::kDone; }));
  // Best fit: the second half goes on the GPU the first half already uses.
  EXPECT_EQ(f.job(a).gpu_indices, f.job(b).gpu_indices);
  const std::string env_a = f.read("a.env"), env_b = f.read("b.env");
  EXPECT_NE(env_a.find("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=50\n"), std::string::npos) << env_a;
  EXPECT_NE(env_a.find("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=40960MB\n"), std::string::npos);  // half of 80 GB
  EXPECT_NE(env_b.find("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=20480MB\n"), std::string::npos);
  EXPECT_NE(env_a.find("CUDA_VISIBLE_DEVICES=GPU-declared-000"), std::string::npos);
  EXPECT_NE(env_a.find(fmt::format("FRUGAL_JOB_ID={}\n", a)), std::string::npos);
  EXPECT_EQ(f.job(a).exit_code, 0);
}

TEST(Sched, WholeGpusMigAndRejections) {
  Fixture f;
  EXPECT_THROW(f.sched.submit(f.sh("true", 3)), Error);  // more GPUs than the machine has
  auto big = f.sh("true", 0.5);
  big.gpu_mem_mib = 100 * 1024;
  EXPECT_THROW(f.sched.submit(big), Error);
  auto mig = f.sh("echo $CUDA_VISIBLE_DEVICES > " + f.path("mig.env"));
  mig.mig = "9g.99gb";
  EXPECT_THROW(f.sched.submit(mig), Error);
  mig.mig = "3g.40gb";
  const auto m1 = f.sched.submit(mig);
  const auto m2 = f.sched.submit(mig);
  const auto m3 = f.sched.submit(mig);  // two 3g.40gb fit one H100 (starts 0 and 4); the third takes GPU 1
  const auto whole = f.sched.submit(f.sh("sleep 0.2", 1));  // no GPU left whole while MIG slices run
  f.sched.tick();
  EXPECT_EQ(f.job(m1).gpu_indices, f.job(m2).gpu_indices);
  EXPECT_NE(f.job(m1).devices, f.job(m2).devices);
  EXPECT_NE(f.job(m3).gpu_indices, f.job(m1).gpu_indices);
  EXPECT_EQ(f.job(whole).state, State::kQueued);
  ASSERT_TRUE(f.tick_until([&] { return f.job(whole).state == State::kDone; }));
  EXPECT_EQ(f.read("mig.env").rfind("MIG-GPU-declared-", 0), 0u);
}

TEST(Sched, WindowOpensAndClosesWithTheClock) {
  Fixture f;
  f.clock.t = at(1, 0);
  auto spec = f.sh("trap 'echo checkpoint >> " + f.path("ckpt") + "; exit 0' TERM; echo ready > " + f.path("ready") +
                   "; while true; do sleep 0.05; done", 1);
  spec.window = "02:00-06:00";
  const auto id = f.sched.submit(spec);
  f.sched.tick();
  EXPECT_EQ(f.job(id).state, State::kQueued);  // 01:00: outside its window
  f.clock.t = at(2, 30);
  f.sched.tick();
  EXPECT_EQ(f.job(id).state, State::kRunning);
  // Wait until the trap is installed (its "ready" file), however slow the start (sanitizers).
  for (int i = 0; i < 400 && f.read("ready").empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_EQ(f.read("ready"), "ready\n");
  f.clock.t = at(6, 1);
  f.sched.tick();
  EXPECT_EQ(f.job(id).state, State::kStopping);
  ASSERT_TRUE(f.tick_until([&] { return f.job(id).state == State::kQueued; }));
  EXPECT_EQ(f.read("ckpt"), "checkpoint\n");  // it got the checkpoint signal and saved
  EXPECT_EQ(f.job(id).attempts, 1);
  EXPECT_EQ(f.job(id).stop_reason, "window closed");
  EXPECT_EQ(f.job(id).note, "waiting for its window 02:00-06:00 (attempt 1 done)");
  f.sched.tick();
  EXPECT_EQ(f.job(id).state, State::kQueued);  // 06:01: waits for tomorrow's window
  f.sched.cancel(id);
}

TEST(Sched, PreemptsTheLowestPriorityNewestFirstAfterGrace) {
  Fixture f;
  f.clock.t = at(12, 0);
  auto low = [&](int prio, const std::string& name) {
    auto s = f.sh("trap '' TERM; echo started >> " + f.path(name) + "; while true; do sleep 0.05; done", 1);
    s.priority = prio;
    s.preemptible = true;
    s.grace_s = 1;  // it ignores SIGTERM: SIGKILL after 1 s
    return f.sched.submit(s);
  };
  const auto p1 = low(1, "p1");
  f.sched.tick();
  f.clock.t += 10;
  const auto p2 = low(2, "p2");
  f.sched.tick();
  ASSERT_EQ(f.job(p1).state, State::kRunning);
  ASSERT_EQ(f.job(p2).state, State::kRunning);
  auto hi = f.sh("echo ran > " + f.path("hi"), 1);
  hi.priority = 10;
  const auto h = f.sched.submit(hi);
  f.sched.tick();
  EXPECT_EQ(f.job(p1).state, State::kStopping);  // priority 1 goes first, not 2
  EXPECT_EQ(f.job(p2).state, State::kRunning);
  EXPECT_EQ(f.job(p1).stop_reason, fmt::format("preempted by job {}", h));
  f.clock.t += 2;  // past the grace: SIGKILL
  ASSERT_TRUE(f.tick_until([&] { return f.job(h).state == State::kDone; }));
  EXPECT_EQ(f.read("hi"), "ran\n");
  const Job back = f.job(p1);
  EXPECT_TRUE(back.state == State::kQueued || back.state == State::kRunning) << to_string(back.state);
  EXPECT_GE(back.attempts, 1);
  EXPECT_EQ(f.job(p2).state, State::kRunning);
  f.sched.cancel(p1);
  f.sched.cancel(p2);
  f.clock.t += 10;
  ASSERT_TRUE(f.tick_until([&] { return f.job(p2).state == State::kCancelled && f.job(p1).state == State::kCancelled; }));
}

TEST(Sched, CronFiresEachTimeOnce) {
  Fixture f;
  f.clock.t = at(0, 1);
  auto s = f.sh("true");
  s.cron = "*/5 * * * *";
  const auto t = f.sched.submit(s);
  EXPECT_EQ(f.job(t).state, State::kCron);
  EXPECT_DOUBLE_EQ(f.job(t).next_fire, at(0, 5));
  f.clock.t = at(0, 4);
  EXPECT_EQ(f.sched.tick().fired, 0);
  f.clock.t = at(0, 5);
  EXPECT_EQ(f.sched.tick().fired, 1);
  EXPECT_EQ(f.sched.tick().fired, 0);  // once per firing
  f.clock.t = at(0, 10);
  EXPECT_EQ(f.sched.tick().fired, 1);
  ASSERT_TRUE(f.tick_until([&] { return f.store.count(State::kDone) == 2; }));
  for (const auto& j : f.store.list({State::kDone})) EXPECT_EQ(j.parent, t);
  EXPECT_DOUBLE_EQ(f.job(t).next_fire, at(0, 15));
}

TEST(Sched, ANewDaemonReadoptsRunningAttemptsAndRecordsFinishedOnes) {
  Fixture f;
  // `keeps` runs until the test creates its "go" file; `ends` exits at once.
  const auto keeps = f.sched.submit(
      f.sh("i=0; while [ ! -e " + f.path("go") + " ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo once >> " + f.path("keeps")));
  const auto ends = f.sched.submit(f.sh("exit 3"));
  f.sched.tick();
  ASSERT_EQ(f.job(keeps).state, State::kRunning);
  for (int i = 0; i < 400 && f.launcher.probe(f.job(ends)).fate == Fate::kRunning; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  // A second scheduler on the same store and folder: what a restarted daemon sees.
  FakeClock clock2;
  Scheduler again(f.store, f.launcher, clock2, declared_inventory("2xH100-80GB", FRUGAL_TEST_DATA_DIR));
  again.tick();
  EXPECT_EQ(f.job(keeps).state, State::kRunning);  // re-adopted, not relaunched
  EXPECT_EQ(f.job(ends).state, State::kFailed);
  EXPECT_EQ(f.job(ends).exit_code, 3);
  std::ofstream(f.path("go")) << "go";
  for (int i = 0; i < 300 && f.job(keeps).state != State::kDone; ++i) {
    again.tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(f.job(keeps).state, State::kDone);
  EXPECT_EQ(f.job(keeps).attempts, 1);
  EXPECT_EQ(f.read("keeps"), "once\n");
}

TEST(SchedTiming, WindowsAndCronParsing) {
  EXPECT_TRUE(parse_window("22:00-06:00").contains(23 * 60));
  EXPECT_TRUE(parse_window("22:00-06:00").contains(5 * 60));
  EXPECT_FALSE(parse_window("22:00-06:00").contains(12 * 60));
  EXPECT_THROW(parse_window("25:00-06:00"), Error);
  EXPECT_THROW(parse_window("2-6"), Error);
  EXPECT_THROW(Cron::parse("* * * *"), Error);
  EXPECT_THROW(Cron::parse("61 * * * *"), Error);
  // 2025-09-01 is a Monday: "0 9 * * 1-5" next after Monday 10:00 is Tuesday 09:00.
  EXPECT_EQ(Cron::parse("0 9 * * 1-5").next_after(static_cast<std::time_t>(at(10, 0))), static_cast<std::time_t>(at(24 + 9, 0)));
  EXPECT_EQ(Cron::parse("30 2 1 * *").next_after(static_cast<std::time_t>(at(3, 0))),
            static_cast<std::time_t>(1759285800));  // 2025-10-01 02:30 UTC
}

TEST(Sched, RunsAsTheRequestedUser) {
  Fixture f;
  auto s = f.sh("id -un");
  s.user = "no-such-user-here";
  EXPECT_THROW(f.sched.submit(s), Error);
  if (::geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  s.user = "nobody";
  s.cwd = "/";
  const auto id = f.sched.submit(s);
  ASSERT_TRUE(f.tick_until([&] { return f.job(id).state == State::kDone; }));
  std::ifstream log(f.launcher.log_path(id));
  const std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("\nnobody\n"), std::string::npos) << text;
}

// Launch failures fail the job once, with the reason (issue 14: a 1 MB argument was relaunched 111
// times in 40 s, because the supervisor's exec failed and the attempt looked like a crash).
TEST(Sched, LaunchFailuresFailTheJobOnceWithTheReason) {
  Fixture f;
  // Each argument within the kernel's 128 KiB, all of them past its total (ARG_MAX; the kernel
  // allows at most 6 MiB whatever the stack limit).
  JobSpec too_big;
  too_big.argv = {"/bin/echo"};
  const long total = std::min<long>(::sysconf(_SC_ARG_MAX), 6L << 20) + (1L << 20);
  for (long bytes = 0; bytes < total; bytes += 100000) too_big.argv.push_back(std::string(100000, 'x'));
  const auto big = f.sched.submit(too_big);
  JobSpec missing;
  missing.argv = {"frugal-no-such-program-anywhere"};
  const auto enoent = f.sched.submit(missing);
  const std::string script = f.path("not-executable.sh");
  { std::ofstream(script) << "#!/bin/sh\necho hi\n"; }
  JobSpec denied;
  denied.argv = {script};
  const auto eacces = f.sched.submit(denied);
  ASSERT_TRUE(f.tick_until([&] {
    return is_final(f.job(big).state) && is_final(f.job(enoent).state) && is_final(f.job(eacces).state);
  }));
  for (int i = 0; i < 20; ++i) f.sched.tick();  // nothing is relaunched afterwards
  const Job b = f.job(big), n = f.job(enoent), a = f.job(eacces);
  EXPECT_EQ(b.state, State::kFailed);
  EXPECT_EQ(b.attempts, 1);
  EXPECT_NE(b.note.find("E2BIG"), std::string::npos) << b.note;
  EXPECT_NE(b.note.find("per argument"), std::string::npos) << b.note;
  EXPECT_EQ(n.state, State::kFailed);
  EXPECT_EQ(n.attempts, 1);
  EXPECT_EQ(n.exit_code, 127);
  EXPECT_NE(n.note.find("'frugal-no-such-program-anywhere'"), std::string::npos) << n.note;
  EXPECT_NE(n.note.find("ENOENT"), std::string::npos) << n.note;
  EXPECT_EQ(a.state, State::kFailed);
  EXPECT_EQ(a.attempts, 1);
  EXPECT_EQ(a.exit_code, 126);
  EXPECT_NE(a.note.find("EACCES"), std::string::npos) << a.note;
}

namespace {
// Every attempt vanishes, as when a supervisor is killed each time it starts.
class VanishingLauncher : public Launcher {
 public:
  int launches = 0;
  Launched launch(const Job&, const std::map<std::string, std::string>&) override { return {++launches, 1}; }
  Probe probe(const Job&) override { return {Fate::kVanished, 0, ""}; }
  bool signal(const Job&, int) override { return false; }
  void reap() override {}
  std::string log_path(std::int64_t) const override { return "/dev/null"; }
};
}  // namespace

TEST(Sched, CrashRequeuesAreBoundedWithBackoff) {
  TempDir dir{"frugal-sched-test-", "the test"};
  JobStore store{(dir.path() / "jobs.db").string()};
  VanishingLauncher launcher;
  FakeClock clock;
  clock.t = at(12, 0);
  SchedulerOptions opt;
  opt.max_crash_requeues = 3;
  opt.crash_backoff_s = 10;
  Scheduler sched(store, launcher, clock, declared_inventory("1xH100-80GB", FRUGAL_TEST_DATA_DIR), opt);
  JobSpec s;
  s.argv = {"true"};
  const auto id = sched.submit(s);
  sched.tick();  // launch 1
  EXPECT_EQ(launcher.launches, 1);
  double waited = 0;
  for (int crash = 1; crash <= 3; ++crash) {
    sched.tick();  // the attempt vanished: requeued with a doubling wait
    Job j = *store.get(id);
    ASSERT_EQ(j.state, State::kQueued) << j.note;
    EXPECT_EQ(j.crashes, crash);
    const double wait = 10.0 * (1 << (crash - 1));
    EXPECT_DOUBLE_EQ(j.not_before, clock.t + wait);
    EXPECT_NE(j.note.find(fmt::format("crash {} of at most 3", crash)), std::string::npos) << j.note;
    clock.t += wait - 1;  // not yet
    sched.tick();
    EXPECT_EQ(launcher.launches, crash);
    clock.t += 1;
    waited += wait;
    sched.tick();
    EXPECT_EQ(launcher.launches, crash + 1);
  }
  sched.tick();  // the fourth vanish is one too many
  const Job j = *store.get(id);
  EXPECT_EQ(j.state, State::kFailed);
  EXPECT_EQ(j.crashes, 4);
  EXPECT_NE(j.note.find("more than the 3 requeues allowed"), std::string::npos) << j.note;
  EXPECT_DOUBLE_EQ(waited, 70);
  for (int i = 0; i < 5; ++i) clock.t += 1000, sched.tick();
  EXPECT_EQ(launcher.launches, 4);
}

// A jobs.db written before crash counts existed gains the columns in place, its jobs intact.
TEST(Sched, StoreMigratesAnOlderDatabase) {
  TempDir dir{"frugal-sched-test-", "the test"};
  const std::string path = (dir.path() / "jobs.db").string();
  {
    SqliteDb db(path);
    db.exec(
        "CREATE TABLE jobs(id INTEGER PRIMARY KEY AUTOINCREMENT, spec TEXT NOT NULL, state TEXT NOT NULL, priority INTEGER NOT NULL,"
        " attempts INTEGER NOT NULL DEFAULT 0, stop_reason TEXT NOT NULL DEFAULT '', stop_then TEXT NOT NULL DEFAULT '',"
        " pid INTEGER NOT NULL DEFAULT 0, pid_start INTEGER NOT NULL DEFAULT 0, gpu_indices TEXT NOT NULL DEFAULT '[]',"
        " devices TEXT NOT NULL DEFAULT '[]', exit_code INTEGER NOT NULL DEFAULT 0, submitted REAL NOT NULL DEFAULT 0,"
        " started REAL NOT NULL DEFAULT 0, finished REAL NOT NULL DEFAULT 0, stop_sent REAL NOT NULL DEFAULT 0,"
        " next_fire REAL NOT NULL DEFAULT 0, parent INTEGER NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT '');"
        "INSERT INTO jobs(spec, state, priority, attempts, note) VALUES('{\"argv\":[\"true\"]}', 'done', 0, 1, 'exit 0');");
  }
  JobStore store(path);
  const auto j = store.get(1);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->state, State::kDone);
  EXPECT_EQ(j->note, "exit 0");
  EXPECT_EQ(j->crashes, 0);
  Job changed = *j;
  changed.crashes = 2;
  store.update(changed);
  EXPECT_EQ(store.get(1)->crashes, 2);
}
