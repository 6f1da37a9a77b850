#include "schedd/scheduler.h"

#include <fmt/format.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_set>

#include "core/error.h"
#include "core/time_util.h"
#include "schedd/timing.h"

namespace frugal::schedd {

double SystemClock::now() { return now_epoch_seconds(); }

namespace {
int share_milli(const JobSpec& s) { return std::clamp(static_cast<int>(std::ceil(s.gpus * 1000 - 1e-9)), 1, 1000); }
bool is_share(const JobSpec& s) { return s.mig.empty() && s.gpus > 0 && s.gpus < 1; }
bool is_whole(const JobSpec& s) { return s.mig.empty() && s.gpus >= 1; }
int mig_start(const Job& j) {  // "MIG-<uuid>/<profile>/<start>"
  if (j.devices.empty()) return -1;
  const auto slash = j.devices[0].rfind('/');
  return slash == std::string::npos ? -1 : std::atoi(j.devices[0].c_str() + slash + 1);
}
bool in_window(const JobSpec& s, double now) {
  return s.window.empty() || parse_window(s.window).contains(local_minute_of_day(static_cast<std::time_t>(now)));
}
}  // namespace

Scheduler::Scheduler(JobStore& store, Launcher& launcher, Clock& clock, Inventory inventory, SchedulerOptions opt)
    : store_(store), launcher_(launcher), clock_(clock), inv_(std::move(inventory)), opt_(opt) {
  // The task population FGD-style policies weigh fragmentation by: the shapes of recent jobs.
  std::vector<sched::Task> workload;
  for (const auto& j : store_.list({}, 1000)) {
    sched::Task t;
    if (is_share(j.spec)) t.num_gpu = 1, t.gpu_milli = share_milli(j.spec);
    else if (is_whole(j.spec)) t.num_gpu = static_cast<int>(j.spec.gpus), t.gpu_milli = 1000;
    else continue;
    workload.push_back(t);
  }
  if (workload.empty()) {
    for (int m : {250, 500, 1000}) workload.push_back({0, 0, 1, m, {}});
  }
  policy_ = sched::make_policy(opt_.policy, workload);
}

std::int64_t Scheduler::share_memory(const JobSpec& s, const Gpu& g) const {
  return s.gpu_mem_mib > 0 ? s.gpu_mem_mib : static_cast<std::int64_t>(std::floor(s.gpus * static_cast<double>(g.memory_mib)));
}

std::string Scheduler::admit(const JobSpec& s) const {
  if (!s.user.empty()) {
    const passwd* pw = ::getpwnam(s.user.c_str());
    if (!pw) return fmt::format("user: no such user '{}'", s.user);
    if (::geteuid() != 0 && pw->pw_uid != ::geteuid()) {
      return fmt::format("user: the daemon does not run as root, so jobs run as its own user, not '{}'", s.user);
    }
  }
  const int n = static_cast<int>(inv_.gpus.size());
  if ((s.gpus > 0 || !s.mig.empty()) && n == 0) return "this machine has no GPUs";
  if (is_whole(s) && s.gpus > n) return fmt::format("gpus: asks for {:g} GPUs, this machine has {}", s.gpus, n);
  if (is_share(s)) {
    std::int64_t largest = 0;
    for (const auto& g : inv_.gpus) largest = std::max(largest, g.memory_mib);
    if (s.gpu_mem_mib > largest) return fmt::format("gpu_mem_mib: {} MiB is more than the largest GPU's {} MiB", s.gpu_mem_mib, largest);
  }
  if (!s.mig.empty()) {
    bool any = false;
    for (const auto& g : inv_.gpus) any = any || inv_.find_mig(g, s.mig);
    if (!any) return fmt::format("mig: no GPU on this machine has the MIG profile '{}'", s.mig);
  }
  return "";
}

std::int64_t Scheduler::submit(const JobSpec& spec) {
  const std::string why = admit(spec);
  if (!why.empty()) throw Error(why);
  std::lock_guard lock(mu_);
  const double now = clock_.now();
  if (!spec.cron.empty()) {
    const auto next = Cron::parse(spec.cron).next_after(static_cast<std::time_t>(now));
    return store_.insert(spec, now, State::kCron, static_cast<double>(next));
  }
  return store_.insert(spec, now, State::kQueued);
}

void Scheduler::occupy(const Job& j, std::vector<GpuUse>& use, int sign) const {
  for (int g : j.gpu_indices) {
    if (g < 0 || g >= static_cast<int>(use.size())) continue;
    if (!j.spec.mig.empty()) {
      const MigProfile* p = inv_.find_mig(inv_.gpus[static_cast<std::size_t>(g)], j.spec.mig);
      const int start = mig_start(j);
      if (!p || start < 0) continue;
      const unsigned mask = ((1u << p->size) - 1) << start;
      use[static_cast<std::size_t>(g)].mig_slices = sign > 0 ? use[static_cast<std::size_t>(g)].mig_slices | mask
                                                             : use[static_cast<std::size_t>(g)].mig_slices & ~mask;
    } else if (is_share(j.spec)) {
      use[static_cast<std::size_t>(g)].milli += sign * share_milli(j.spec);
      use[static_cast<std::size_t>(g)].mem_mib += sign * share_memory(j.spec, inv_.gpus[static_cast<std::size_t>(g)]);
    } else {
      use[static_cast<std::size_t>(g)].milli += sign * 1000;
    }
  }
}

bool Scheduler::place(const Job& j, const std::vector<GpuUse>& use, Slot& out) {
  const JobSpec& s = j.spec;
  out = {};
  out.env["FRUGAL_JOB_ID"] = std::to_string(j.id);
  if (!s.mig.empty()) {
    int best = -1, best_start = -1, best_used = -1;
    for (std::size_t g = 0; g < inv_.gpus.size(); ++g) {
      const MigProfile* p = inv_.find_mig(inv_.gpus[g], s.mig);
      if (!p || use[g].milli > 0) continue;  // a GPU serves either MIG slices or shares / whole use
      for (int start : p->starts) {
        const unsigned mask = ((1u << p->size) - 1) << start;
        const int used = __builtin_popcount(use[g].mig_slices);
        if ((use[g].mig_slices & mask) == 0 && used > best_used) {  // pack: the fullest GPU that fits
          best = static_cast<int>(g), best_start = start, best_used = used;
          break;
        }
      }
    }
    if (best < 0) return false;
    out.gpus = {best};
    out.devices = {fmt::format("MIG-{}/{}/{}", inv_.gpus[static_cast<std::size_t>(best)].uuid, s.mig, best_start)};
    out.env["CUDA_VISIBLE_DEVICES"] = out.devices[0];
    return true;
  }
  if (s.gpus <= 0) {
    out.env["CUDA_VISIBLE_DEVICES"] = "";  // a CPU job sees no GPU
    return true;
  }
  // Quick refusal when no GPU has the room (a long queue is mostly jobs that do not fit now).
  int free_whole = 0, most_left = 0;
  for (const auto& u : use) {
    const int left = u.mig_slices ? 0 : 1000 - u.milli;
    free_whole += left == 1000;
    most_left = std::max(most_left, left);
  }
  if (is_whole(s) ? free_whole < static_cast<int>(s.gpus) : most_left < share_milli(s)) return false;
  // Shares and whole GPUs: the placement engine on a one-node cluster of this machine's GPUs.
  sched::Cluster c;
  sched::Node node;
  node.name = "local";
  node.cpu_total = node.cpu_left = 1 << 30;
  node.mem_total = node.mem_left = 1 << 30;
  for (std::size_t g = 0; g < inv_.gpus.size(); ++g) {
    int left = use[g].mig_slices ? 0 : 1000 - use[g].milli;
    if (is_share(s) && use[g].mem_mib + share_memory(s, inv_.gpus[g]) > inv_.gpus[g].memory_mib) left = 0;
    node.gpu_left.push_back(std::max(0, left));
  }
  c.models = {"gpu"};
  c.nodes.push_back(node);
  sched::Task t;
  t.num_gpu = is_share(s) ? 1 : static_cast<int>(s.gpus);
  t.gpu_milli = is_share(s) ? share_milli(s) : 1000;
  const sched::Placement p = policy_->place(c, t, rng_);
  if (!p.ok() || p.gpus.empty()) return false;
  out.gpus = p.gpus;
  std::string visible;
  for (int g : p.gpus) {
    out.devices.push_back(inv_.gpus[static_cast<std::size_t>(g)].uuid);
    visible += (visible.empty() ? "" : ",") + out.devices.back();
  }
  out.env["CUDA_VISIBLE_DEVICES"] = visible;
  if (is_share(s)) {
    // MPS limits: compute share as active-thread percentage, memory pinned on the (only) device
    // the job sees, device 0.
    out.env["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] = std::to_string(std::max(1, static_cast<int>(std::lround(s.gpus * 100))));
    out.env["CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"] =
        fmt::format("0={}MB", share_memory(s, inv_.gpus[static_cast<std::size_t>(p.gpus[0])]));
  }
  return true;
}

void Scheduler::begin_stop(Job& j, const std::string& reason, const std::string& then, double now) {
  j.state = State::kStopping;
  j.stop_reason = reason;
  j.stop_then = then;
  j.stop_sent = now;
  j.note = fmt::format("{}: signal {} sent, SIGKILL after {:g} s", reason, j.spec.checkpoint_signal, j.spec.grace_s);
  store_.update(j);  // committed before the signal goes out
  launcher_.signal(j, j.spec.checkpoint_signal);
}

bool Scheduler::cancel(std::int64_t id) {
  std::lock_guard lock(mu_);
  auto j = store_.get(id);
  if (!j || is_final(j->state)) return false;
  const double now = clock_.now();
  if (j->state == State::kQueued || j->state == State::kCron) {
    j->state = State::kCancelled;
    j->finished = now;
    j->note = "cancelled before it ran";
    store_.update(*j);
  } else if (j->state == State::kRunning) {
    begin_stop(*j, "cancelled", "cancelled", now);
  } else {
    j->stop_then = "cancelled";
    store_.update(*j);
  }
  return true;
}

PassStats Scheduler::tick() {
  std::lock_guard lock(mu_);
  const auto t0 = std::chrono::steady_clock::now();
  PassStats st;
  const double now = clock_.now();
  launcher_.reap();
  std::vector<Job> jobs = store_.active();
  std::vector<GpuUse> use(inv_.gpus.size());
  for (const auto& j : jobs) {
    if (j.state == State::kRunning || j.state == State::kStopping) occupy(j, use, +1);
  }
  // 1. What became of the attempts that were running (after a restart too: this is recovery).
  std::vector<Job> ended;
  for (auto& j : jobs) {
    if (j.state != State::kRunning && j.state != State::kStopping) continue;
    const Probe p = launcher_.probe(j);
    if (p.fate == Fate::kRunning) {
      if (j.state == State::kStopping) {
        if (now - j.stop_sent >= j.spec.grace_s && j.note.find("SIGKILL sent") == std::string::npos) {
          j.note = fmt::format("{}: grace of {:g} s over, SIGKILL sent", j.stop_reason, j.spec.grace_s);
          store_.update(j);
          launcher_.signal(j, SIGKILL);
        }
      } else if (!j.spec.window_finish && !in_window(j.spec, now)) {
        begin_stop(j, "window closed", "queued", now);
      } else if (j.spec.max_runtime_s > 0 && now - j.started > j.spec.max_runtime_s) {
        begin_stop(j, "ran past max_runtime_s", "failed", now);
      }
      continue;
    }
    occupy(j, use, -1);
    j.finished = now;
    if (p.fate == Fate::kExited) j.exit_code = p.exit_code;
    if (j.state == State::kStopping) {
      j.state = state_from(j.stop_then);
      j.note = fmt::format("{}; {}", j.stop_reason, j.stop_then == "queued" ? "back in the queue" : j.stop_then);
    } else if (p.fate == Fate::kExited) {
      j.state = p.exit_code == 0 ? State::kDone : State::kFailed;
      j.note = p.exit_code >= 0 ? fmt::format("exit {}", p.exit_code) : fmt::format("killed by signal {}", -p.exit_code);
      if (!p.reason.empty()) j.note = fmt::format("{} ({})", p.reason, j.note);
    } else {
      ++j.crashes;
      const bool again = j.spec.requeue_on_crash && j.crashes <= opt_.max_crash_requeues;
      j.state = again ? State::kQueued : State::kFailed;
      const std::string what = fmt::format("attempt {} vanished (daemon or supervisor killed)", j.attempts);
      if (again) {
        const double wait = std::min(opt_.crash_backoff_max_s, opt_.crash_backoff_s * std::pow(2.0, j.crashes - 1));
        j.not_before = now + wait;
        j.note = fmt::format("{}; requeued (crash {} of at most {}), next try in {:g} s", what, j.crashes,
                             opt_.max_crash_requeues, wait);
      } else {
        j.note = j.spec.requeue_on_crash
                     ? fmt::format("{}; failed: {} crashes, more than the {} requeues allowed", what, j.crashes, opt_.max_crash_requeues)
                     : fmt::format("{}; failed (requeue_on_crash is off)", what);
      }
    }
    if (j.state == State::kQueued) {
      j.gpu_indices.clear();
      j.devices.clear();
    }
    j.pid = j.pid_start = 0;
    ended.push_back(j);
    ++st.finished;
  }
  store_.update_all(ended);
  // 2. Cron firings and deadlines.
  for (auto& j : jobs) {
    if (j.state == State::kCron && j.next_fire > 0 && j.next_fire <= now) {
      const auto next = Cron::parse(j.spec.cron).next_after(static_cast<std::time_t>(now));
      store_.fire_cron(j, now, static_cast<double>(next));
      ++st.fired;
    }
  }
  if (st.fired) jobs = store_.active();
  std::vector<Job*> queue;
  for (auto& j : jobs) {
    if (j.state != State::kQueued) continue;
    if (j.spec.deadline > 0 && now > static_cast<double>(j.spec.deadline)) {
      j.state = State::kFailed;
      j.finished = now;
      j.note = "deadline passed before it could start";
      store_.update(j);
      continue;
    }
    queue.push_back(&j);
  }
  std::stable_sort(queue.begin(), queue.end(), [](const Job* a, const Job* b) {
    return a->spec.priority != b->spec.priority ? a->spec.priority > b->spec.priority : a->id < b->id;
  });
  // 3. Placement, highest priority first; lower ones fill in where the higher ones do not fit.
  bool share_running = false;
  for (const auto& j : jobs) share_running |= j.state == State::kRunning && is_share(j.spec);
  // Jobs already waiting for their victims to stop, and the preemption candidates (running,
  // preemptible; lowest priority first, newest first among equals), computed once per pass.
  std::unordered_set<std::int64_t> waited_on;
  std::vector<Job*> candidates;
  for (auto& o : jobs) {
    if (o.state == State::kStopping && o.stop_reason.rfind("preempted by job ", 0) == 0) {
      waited_on.insert(std::atoll(o.stop_reason.c_str() + 17));
    }
    if (o.state == State::kRunning && o.spec.preemptible) candidates.push_back(&o);
  }
  std::sort(candidates.begin(), candidates.end(), [](const Job* a, const Job* b) {
    return a->spec.priority != b->spec.priority ? a->spec.priority < b->spec.priority : a->started > b->started;
  });
  for (Job* jp : queue) {
    Job& j = *jp;
    if (!in_window(j.spec, now)) {
      const std::string note = fmt::format("waiting for its window {}", j.spec.window);
      if (j.note.rfind(note, 0) != 0) {
        j.note = j.attempts ? fmt::format("{} (attempt {} done)", note, j.attempts) : note;
        store_.update(j);
      }
      continue;
    }
    if (j.not_before > now) continue;  // crash backoff: its note says when
    Slot slot;
    if (place(j, use, slot)) {
      j.state = State::kRunning;
      ++j.attempts;
      j.gpu_indices = slot.gpus;
      j.devices = slot.devices;
      j.started = now;
      j.stop_reason.clear();
      j.note = fmt::format("attempt {} started", j.attempts);
      store_.update(j);  // committed before the launch
      occupy(j, use, +1);
      if (is_share(j.spec) && opt_.mps && !mps_running_) mps_running_ = opt_.mps->start();
      share_running |= is_share(j.spec);
      slot.env["FRUGAL_ATTEMPT"] = std::to_string(j.attempts);
      try {
        const Launched l = launcher_.launch(j, slot.env);
        j.pid = l.pid;
        j.pid_start = l.pid_start;
      } catch (const Error& e) {
        occupy(j, use, -1);
        j.state = State::kFailed;
        j.finished = now;
        j.note = e.what();
      }
      store_.update(j);
      ++st.launched;
      continue;
    }
    // Preemption: lower-priority preemptible jobs, lowest priority and newest first, until it fits.
    if (candidates.empty() || candidates.front()->spec.priority >= j.spec.priority || waited_on.count(j.id)) continue;
    std::vector<GpuUse> trial = use;
    std::vector<Job*> chosen;
    bool fits = false;
    for (Job* v : candidates) {
      if (v->spec.priority >= j.spec.priority) break;
      if (v->state != State::kRunning) continue;  // already chosen for an earlier job this pass
      occupy(*v, trial, -1);
      chosen.push_back(v);
      Slot s2;
      if ((fits = place(j, trial, s2))) break;
    }
    if (!fits) continue;
    for (Job* v : chosen) {
      begin_stop(*v, fmt::format("preempted by job {}", j.id), "queued", now);
      ++st.preempted;
    }
    waited_on.insert(j.id);
  }
  if (opt_.mps && mps_running_ && !share_running) {
    opt_.mps->stop();
    mps_running_ = false;
  }
  for (const auto& j : jobs) {  // this pass's view, with its own changes applied
    st.queued += j.state == State::kQueued;
    st.running += j.state == State::kRunning || j.state == State::kStopping;
  }
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

}  // namespace frugal::schedd
