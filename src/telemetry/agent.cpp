#include "telemetry/agent.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/output.h"

namespace frugal::telemetry {

void read_self_usage(double* cpu_seconds, double* resident_bytes) {
  *cpu_seconds = 0;
  *resident_bytes = 0;
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (std::getline(stat, line)) {
    // Fields after the parenthesised command: state is field 3; utime, stime are 14, 15.
    const auto close = line.rfind(')');
    if (close != std::string::npos) {
      std::istringstream rest(line.substr(close + 2));
      std::string f;
      unsigned long long utime = 0, stime = 0;
      for (int i = 3; i <= 15 && rest >> f; ++i) {
        if (i == 14) utime = std::stoull(f);
        if (i == 15) stime = std::stoull(f);
      }
      *cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  std::ifstream statm("/proc/self/statm");
  unsigned long long size = 0, rss = 0;
  if (statm >> size >> rss) *resident_bytes = static_cast<double>(rss) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

Agent::Agent(GpuSource& source, CostAccountant& accountant, HistoryStore* history, AsyncPublisher* publisher,
             AgentOptions options)
    : source_(source),
      accountant_(accountant),
      workloads_(options.workload_limits, options.mig_slices),
      history_(history),
      publisher_(publisher),
      options_(std::move(options)) {}

void Agent::note_error(const std::string& e) {
  std::lock_guard lock(mu_);
  errors_.push_back(e);
  if (errors_.size() > 20) errors_.erase(errors_.begin());
}

std::vector<std::string> Agent::recent_errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

std::shared_ptr<const Published> Agent::latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

CloudBatch Agent::cloud_batch(const Published& p) {
  CloudBatch b;
  b.time = p.time;
  for (const auto& g : p.snapshot.gpus) {
    auto dims = options_.cloud_dimensions;
    dims.emplace_back("GPU", std::to_string(g.index));
    Window& w = windows_[gpu_key(g)];
    if (w.util_n > 0) b.metrics.push_back({"GPUUtilization", "Percent", 100.0 * w.util_sum / w.util_n, dims});
    if (g.memory_used_bytes) b.metrics.push_back({"GPUMemoryUsed", "Bytes", static_cast<double>(*g.memory_used_bytes), dims});
    if (g.power_watts) b.metrics.push_back({"GPUPowerDraw", "None", *g.power_watts, dims});
    if (const GpuAccount* a = find_account(p.accounts, g)) {
      b.metrics.push_back({"GPUCost", "None", a->cost - w.cost_at_publish, dims});
      b.metrics.push_back({"GPUIdleCost", "None", a->idle_cost - w.idle_cost_at_publish, dims});
      b.metrics.push_back({"GPUIdle", "Count", a->idle ? 1.0 : 0.0, dims});
      w.cost_at_publish = a->cost;
      w.idle_cost_at_publish = a->idle_cost;
    }
    w.util_sum = 0;
    w.util_n = 0;
  }
  return b;
}

void Agent::cycle(double now) {
  const auto t0 = std::chrono::steady_clock::now();
  auto pub = std::make_shared<Published>();
  pub->time = now;
  pub->snapshot = source_.sample(now);
  if (!options_.expose_cmdline) {
    // Cleared here, so no reader (/metrics, /api/v1/gpus, textfile, CloudWatch) can serve it.
    for (auto& g : pub->snapshot.gpus) {
      for (auto& p : g.processes) p.command.clear();
    }
  }
  if (options_.device_holders) {
    if (now - last_holders_ >= options_.pod_resources_interval_s) {
      last_holders_ = now;
      try {
        holders_ = options_.device_holders();
      } catch (const std::exception& e) {
        note_error(std::string("pod resources: ") + e.what());
      }
    }
    name_pods(pub->snapshot, holders_);
  }
  const std::vector<AccountStep> steps = accountant_.update(pub->snapshot);
  pub->accounts = accountant_.accounts();
  const std::vector<WorkloadStep> wsteps = workloads_.update(pub->snapshot, steps);
  pub->workloads = workloads_.accounts();
  for (const auto& g : pub->snapshot.gpus) {
    if (!g.utilization) continue;
    Window& w = windows_[gpu_key(g)];
    w.util_sum += *g.utilization;
    ++w.util_n;
  }
  stats_.samples += 1;
  stats_.last_sample_time = now;
  stats_.nvml_errors += static_cast<double>(pub->snapshot.errors.size());
  if (history_) {
    try {
      history_->record(pub->snapshot, steps, wsteps);
      if (now - last_prune_ >= options_.prune_interval_s) {
        history_->prune(now);
        last_prune_ = now;
      }
    } catch (const std::exception& e) {
      note_error(std::string("history: ") + e.what());
    }
  }
  read_self_usage(&stats_.cpu_seconds, &stats_.resident_bytes);
  stats_.last_cycle_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  pub->stats = stats_;
  const auto families = collect_families(pub->snapshot, accountant_, pub->workloads, stats_, options_.context);
  pub->prometheus_text = render_prometheus_text(families);
  pub->openmetrics_text = render_openmetrics(families);
  if (!options_.textfile.empty()) {
    try {
      write_file_atomic(options_.textfile, pub->prometheus_text);
    } catch (const std::exception& e) {
      note_error(std::string("textfile: ") + e.what());
    }
  }
  if (publisher_ && now - last_publish_ >= options_.publish_interval_s) {
    if (last_publish_ > 0) publisher_->submit(cloud_batch(*pub));
    else cloud_batch(*pub);  // first cycle: start the windows, nothing to report yet
    last_publish_ = now;
  }
  std::lock_guard lock(mu_);
  latest_ = std::move(pub);
}

void Agent::run(const std::atomic<bool>& stop) {
  using clock = std::chrono::system_clock;
  const auto period = std::chrono::duration<double>(options_.interval_s);
  auto next = clock::now();
  while (!stop.load()) {
    cycle(std::chrono::duration<double>(clock::now().time_since_epoch()).count());
    next += std::chrono::duration_cast<clock::duration>(period);
    const auto now = clock::now();
    if (next < now) next = now;  // fell behind (slow NVML): skip, don't burst
    // Sleep in short steps so a stop request is seen promptly.
    while (!stop.load() && clock::now() < next) {
      std::this_thread::sleep_for(std::min<clock::duration>(next - clock::now(), std::chrono::milliseconds(100)));
    }
  }
}

nlohmann::json published_json(const Published& p) {
  using nlohmann::json;
  auto opt = [](const auto& o) -> json { return o ? json(*o) : json(nullptr); };
  json gpus = json::array();
  for (const auto& g : p.snapshot.gpus) {
    json procs = json::array();
    for (const auto& pr : g.processes) {
      json o = {{"pid", pr.pid}, {"user", pr.user}, {"process", pr.name}, {"memory_bytes", opt(pr.memory_bytes)},
                {"sm_ratio", opt(pr.sm_ratio)}, {"gpu_instance", opt(pr.gpu_instance)},
                {"workload", pr.workload.id()}};
      if (!pr.command.empty()) o["command"] = pr.command;
      procs.push_back(std::move(o));
    }
    json migs = json::array();
    for (const auto& m : g.mig_instances) {
      migs.push_back({{"uuid", m.uuid}, {"name", m.name}, {"memory_used_bytes", opt(m.memory_used_bytes)},
                      {"memory_total_bytes", opt(m.memory_total_bytes)}});
    }
    json row = {{"index", g.index}, {"name", g.name}, {"uuid", g.uuid}, {"pci_bus_id", g.pci_bus_id}, {"lost", g.lost},
                {"utilization", opt(g.utilization)}, {"memory_utilization", opt(g.memory_utilization)},
                {"memory_used_bytes", opt(g.memory_used_bytes)}, {"memory_total_bytes", opt(g.memory_total_bytes)},
                {"temperature_celsius", opt(g.temperature_celsius)}, {"power_watts", opt(g.power_watts)},
                {"power_limit_watts", opt(g.power_limit_watts)}, {"energy_joules", opt(g.energy_joules)},
                {"sm_clock_hz", opt(g.sm_clock_hz)}, {"memory_clock_hz", opt(g.memory_clock_hz)},
                {"mig_enabled", opt(g.mig_enabled)}, {"mig_instances", migs}, {"processes", procs}};
    if (const GpuAccount* a = find_account(p.accounts, g)) {
      row["cost_dollars"] = a->cost;
      row["idle_seconds"] = a->idle_seconds;
      row["idle_cost_dollars"] = a->idle_cost;
      row["idle"] = a->idle;
      row["watched_seconds"] = a->seconds;
    }
    gpus.push_back(std::move(row));
  }
  json workloads = json::array();
  for (const auto& [id, a] : p.workloads) {
    json labels = json::object();
    for (const auto& [k, v] : a.workload.labels()) labels[k] = v;
    workloads.push_back({{"workload", id}, {"labels", labels}, {"gpus", a.gpus}, {"gpu_seconds", a.gpu_seconds},
                         {"busy_seconds", a.busy_seconds},
                         {"utilization", a.known_seconds > 0 ? json(a.utilization()) : json(nullptr)},
                         {"cost_dollars", a.cost}, {"idle_cost_dollars", a.idle_cost}, {"energy_joules", a.energy_joules},
                         {"memory_bytes", a.memory_bytes}, {"last_seen", a.last_seen}});
  }
  return {{"time", p.time}, {"driver_version", p.snapshot.driver_version}, {"gpus", gpus}, {"workloads", workloads},
          {"errors", p.snapshot.errors}, {"samples", p.stats.samples}};
}

}  // namespace frugal::telemetry
