#include "telemetry/workload_accounting.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "core/csv.h"
#include "core/toml_util.h"

namespace frugal::telemetry {

WorkloadLimits load_workload_limits(const std::string& data_dir) {
  const std::string file = data_dir + "/telemetry/defaults.toml";
  const toml::table t = load_toml_file(file);
  return {require_number(t, "workload_series_expiry_seconds", file),
          static_cast<std::size_t>(require_number(t, "max_workload_series", file))};
}

namespace {

// "1g.5gb" in "NVIDIA A100-SXM4-40GB MIG 1g.5gb" -> 1; 0 when the name has no profile.
int compute_slices_of(const std::string& name) {
  for (std::size_t at = name.find("g."); at != std::string::npos; at = name.find("g.", at + 1)) {
    std::size_t b = at;
    while (b > 0 && std::isdigit(static_cast<unsigned char>(name[b - 1]))) --b;
    if (b < at && (b == 0 || name[b - 1] == ' ' || name[b - 1] == '+')) return std::atoi(name.c_str() + b);
  }
  return 0;
}

}  // namespace

MigSlices load_mig_slices(const std::string& data_dir) {
  const CsvTable t = CsvTable::load(data_dir + "/catalog/mig_profiles.csv");
  t.require_columns({"gpu", "profile"});
  std::vector<std::pair<std::string, int>> most;  // GPU name -> largest profile's compute slices
  for (std::size_t i = 0; i < t.size(); ++i) {
    const auto r = t.row(i);
    const int n = compute_slices_of(r.get("profile"));
    auto it = std::find_if(most.begin(), most.end(), [&](const auto& p) { return p.first == r.get("gpu"); });
    if (it == most.end()) most.emplace_back(r.get("gpu"), n);
    else it->second = std::max(it->second, n);
  }
  // Longest name first, so "H100-SXM5-80GB" is not taken for a GPU whose name holds a longer one.
  std::sort(most.begin(), most.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return [most](const std::string& gpu_name) {
    for (const auto& [gpu, n] : most) {
      if (gpu_name.find(gpu) != std::string::npos && n > 0) return n;
    }
    return 0;
  };
}

WorkloadAccountant::WorkloadAccountant(WorkloadLimits limits, MigSlices slices)
    : limits_(limits), slices_(std::move(slices)) {}

namespace {

struct Holder {
  Workload workload;
  double sm = 0;           // sum of its processes' SM shares
  bool sm_known = false;   // every one of its processes had a sample
  double memory = 0;
};

// The workloads among `procs`, in first-seen order.
std::vector<Holder> holders_of(const std::vector<const GpuProcess*>& procs) {
  std::vector<Holder> out;
  std::vector<bool> all_known;
  for (const GpuProcess* p : procs) {
    const std::string id = p->workload.id();
    auto it = std::find_if(out.begin(), out.end(), [&](const Holder& h) { return h.workload.id() == id; });
    std::size_t k;
    if (it == out.end()) {
      out.push_back({p->workload, 0, true, 0});
      k = out.size() - 1;
    } else {
      k = static_cast<std::size_t>(it - out.begin());
    }
    if (p->sm_ratio) out[k].sm += *p->sm_ratio;
    else out[k].sm_known = false;
    if (p->memory_bytes) out[k].memory += static_cast<double>(*p->memory_bytes);
  }
  return out;
}

}  // namespace

std::vector<WorkloadStep> WorkloadAccountant::update(const Snapshot& snap, const std::vector<AccountStep>& gpu_steps) {
  std::vector<WorkloadStep> out;
  for (const GpuSample& g : snap.gpus) {
    const std::string key = gpu_key(g);
    const AccountStep* step = nullptr;
    for (const auto& s : gpu_steps) {
      if (s.uuid == key) step = &s;
    }
    // Energy of the interval: the counter's increase, or power x time when there is no counter.
    double energy = 0;
    if (g.energy_joules) {
      if (auto it = last_energy_.find(key); it != last_energy_.end() && *g.energy_joules >= it->second) {
        energy = *g.energy_joules - it->second;
      }
      last_energy_[key] = *g.energy_joules;
    } else if (g.power_watts && step) {
      energy = *g.power_watts * step->seconds;
    }
    if (!step || step->seconds <= 0 || g.processes.empty()) continue;

    // Groups that share the GPU's cost: MIG instances by their slices, or the whole GPU.
    struct Group {
      std::string mig_uuid;
      double fraction = 1;
      std::optional<double> utilization;
      std::vector<const GpuProcess*> procs;
    };
    std::vector<Group> groups;
    const int total_slices = g.mig_enabled.value_or(false) ? slices_(g.name) : 0;
    if (g.mig_enabled.value_or(false) && !g.mig_instances.empty() && total_slices > 0) {
      for (const auto& m : g.mig_instances) {
        Group grp{m.uuid, static_cast<double>(compute_slices_of(m.name)) / total_slices, std::nullopt, {}};
        for (const auto& p : g.processes) {
          if (p.gpu_instance && m.gpu_instance && *p.gpu_instance == *m.gpu_instance) grp.procs.push_back(&p);
        }
        groups.push_back(std::move(grp));
      }
    } else {
      Group grp{"", 1, g.utilization, {}};
      for (const auto& p : g.processes) grp.procs.push_back(&p);
      groups.push_back(std::move(grp));
    }

    for (const Group& grp : groups) {
      std::vector<Holder> hs = holders_of(grp.procs);
      if (hs.empty() || grp.fraction <= 0) continue;
      const double n = static_cast<double>(hs.size());
      // Each holder's used share u, or none when it cannot be known.
      bool known = std::all_of(hs.begin(), hs.end(), [](const Holder& h) { return h.sm_known; });
      if (!known && grp.utilization) {
        if (hs.size() == 1) {
          hs[0].sm = *grp.utilization;
        } else {
          // Some holders have samples: the rest of the GPU's utilization is theirs, evenly.
          double sampled = 0, missing = 0;
          for (const auto& h : hs) {
            if (h.sm_known) sampled += h.sm;
            else missing += 1;
          }
          for (auto& h : hs) {
            if (!h.sm_known) h.sm = std::max(0.0, *grp.utilization - sampled) / missing;
          }
        }
        known = true;
      }
      double used = 0;
      for (const auto& h : hs) used += known ? h.sm : 0;
      if (used > 1) {
        for (auto& h : hs) h.sm /= used;
        used = 1;
      }
      const double free = known ? 1 - used : 0;
      const double seconds = step->seconds * grp.fraction;
      const double cost = step->cost * grp.fraction;
      for (const Holder& h : hs) {
        const double u = known ? h.sm : 0;
        const double weight = known ? u + free / n : 1 / n;
        WorkloadStep ws;
        ws.gpu_uuid = key;
        ws.gpu_index = g.index;
        ws.mig_uuid = grp.mig_uuid;
        ws.workload = h.workload;
        ws.gpu_seconds = seconds * weight;
        ws.busy_seconds = seconds * u;
        ws.utilization_known = known;
        ws.cost = cost * weight;
        ws.idle_cost = known ? cost * free / n : 0;
        ws.energy_joules = energy * grp.fraction * weight;
        ws.memory_bytes = h.memory;

        WorkloadAccount& a = accounts_[h.workload.id()];
        a.workload = h.workload;
        a.gpus.insert(key);
        a.gpu_seconds += ws.gpu_seconds;
        a.busy_seconds += ws.busy_seconds;
        if (known) a.known_seconds += ws.gpu_seconds;
        a.cost += ws.cost;
        a.idle_cost += ws.idle_cost;
        a.energy_joules += ws.energy_joules;
        if (a.last_seen != snap.time) a.memory_bytes = 0;  // first GPU of this update
        a.memory_bytes += ws.memory_bytes;
        a.last_seen = snap.time;
        out.push_back(std::move(ws));
      }
    }
  }
  expire(snap.time);
  return out;
}

void WorkloadAccountant::expire(double now) {
  std::erase_if(accounts_, [&](const auto& kv) { return now - kv.second.last_seen > limits_.expiry_s; });
  while (limits_.max_series > 0 && accounts_.size() > limits_.max_series) {
    auto oldest = std::min_element(accounts_.begin(), accounts_.end(),
                                   [](const auto& a, const auto& b) { return a.second.last_seen < b.second.last_seen; });
    accounts_.erase(oldest);
  }
}

}  // namespace frugal::telemetry
