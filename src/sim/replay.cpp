#include "sim/replay.h"

#include <algorithm>
#include <queue>

#include "core/error.h"

namespace frugal::sim {

ReplayResult replay(const sched::Cluster& cluster, const std::vector<TraceTask>& trace, const std::string& policy,
                    std::uint64_t seed, double compress) {
  if (!(compress >= 1.0)) throw Error("--compress: expected a factor >= 1");
  for (const auto& t : trace) {
    if (t.creation < 0 || t.deletion < 0) {
      throw Error("--replay: this trace has no creation_time/deletion_time columns (use a default, gpushareNN, "
                  "gpuspecNN or cpuNNN variant)");
    }
  }
  sched::Cluster c = cluster;
  std::vector<sched::Task> all;
  for (const auto& t : trace) all.push_back(t.task);
  auto pol = sched::make_policy(policy, all);
  sched::Rng rng(seed);

  // Events: (time, kind, task). Departures (kind 0) before arrivals (kind 1) at the same instant.
  using Event = std::tuple<double, int, std::size_t>;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  std::vector<double> arrival(trace.size());
  double last_arrival = 0;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    arrival[i] = trace[i].creation / compress;
    last_arrival = std::max(last_arrival, arrival[i]);
    events.emplace(arrival[i], 1, i);
  }
  std::vector<sched::Placement> where(trace.size());
  std::vector<double> start(trace.size(), -1);
  std::vector<std::size_t> pending;  // arrival order
  std::vector<int> gpu_tasks_on(c.nodes.size(), 0);
  // Nodes holding at least one GPU task, and their GPUs, kept up to date as tasks come and go.
  int gpu_nodes = 0, gpus_total = 0, busy_nodes = 0, busy_gpus = 0;
  for (const auto& n : c.nodes) {
    gpu_nodes += n.gpu_count() > 0;
    gpus_total += n.gpu_count();
  }
  auto gpu_task_delta = [&](int node, int d) {
    const int before = gpu_tasks_on[node];
    gpu_tasks_on[node] += d;
    if ((before == 0) != (gpu_tasks_on[node] == 0)) {
      const int sign = before == 0 ? 1 : -1;
      busy_nodes += sign;
      busy_gpus += sign * c.nodes[node].gpu_count();
    }
  };

  ReplayResult r;
  r.policy = policy;
  r.tasks = static_cast<int>(trace.size());
  r.nodes = static_cast<int>(c.nodes.size());
  r.gpus = static_cast<int>(c.gpu_capacity_milli() / sched::kMilliPerGpu);
  const double cap = static_cast<double>(c.gpu_capacity_milli());
  double allocated = 0, t_prev = events.empty() ? 0 : std::get<0>(events.top()), t_first = t_prev;
  double area_alloc = 0, area_busy = 0, area_idle_nodes = 0, area_idle_gpus = 0;

  auto try_start = [&](std::size_t i, double now) {
    const auto& t = trace[i].task;
    auto w = pol->place(c, t, rng);
    if (!w.ok()) return false;
    sched::allocate(c.nodes[w.node], t, w.gpus);
    allocated += t.gpu_request_milli();
    if (t.num_gpu > 0) gpu_task_delta(w.node, +1);
    where[i] = w;
    start[i] = now;
    // A task keeps the run time it had in the trace, counted from its (possibly later) start.
    const double run = std::max(0.0, trace[i].deletion - trace[i].creation);
    events.emplace(now + run, 0, i);
    return true;
  };

  while (!events.empty()) {
    const double now = std::get<0>(events.top());
    // Account for the interval since the previous event with the state it had. Averages cover the
    // arrival window (first to last arrival): after it only long-running stragglers remain.
    const double dt = std::min(now, last_arrival) - t_prev;
    if (dt > 0) {
      area_alloc += allocated * dt;
      area_busy += busy_nodes * dt;
      area_idle_nodes += (gpu_nodes - busy_nodes) * dt;
      area_idle_gpus += (gpus_total - busy_gpus) * dt;
      t_prev += dt;
    }
    bool freed = false;
    while (!events.empty() && std::get<0>(events.top()) == now) {
      auto [tm, kind, i] = events.top();
      events.pop();
      if (kind == 0) {
        const auto& t = trace[i].task;
        sched::release(c.nodes[where[i].node], t, where[i].gpus);
        allocated -= t.gpu_request_milli();
        if (t.num_gpu > 0) gpu_task_delta(where[i].node, -1);
        freed = true;
      } else if (!try_start(i, now)) {
        pending.push_back(i);
      }
    }
    r.peak_allocated_pct = std::max(r.peak_allocated_pct, 100.0 * allocated / cap);
    if (freed && !pending.empty()) {  // capacity came back: start waiting tasks in arrival order (backfilling)
      std::vector<std::size_t> still;
      for (std::size_t i : pending) {
        if (!try_start(i, now)) still.push_back(i);
      }
      pending.swap(still);
    }
  }
  r.span_s = t_prev - t_first;
  if (r.span_s > 0) {
    r.avg_allocated_pct = 100.0 * area_alloc / (cap * r.span_s);
    r.avg_busy_nodes = area_busy / r.span_s;
    r.avg_idle_gpu_nodes = area_idle_nodes / r.span_s;
    r.avg_releasable_gpus = area_idle_gpus / r.span_s;
  }
  std::vector<double> waits;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    if (start[i] >= 0) waits.push_back(start[i] - arrival[i]);
  }
  r.started = static_cast<int>(waits.size());
  r.never_started = r.tasks - r.started;
  if (!waits.empty()) {
    double s = 0;
    for (double w : waits) s += w;
    r.mean_wait_s = s / waits.size();
    std::sort(waits.begin(), waits.end());
    r.p95_wait_s = waits[static_cast<std::size_t>(0.95 * (waits.size() - 1))];
  }
  return r;
}

}  // namespace frugal::sim
