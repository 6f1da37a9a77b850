#include "telemetry/collect.h"


namespace frugal::telemetry {

namespace {

MetricFamily family(std::string name, MetricType type, std::string help, std::string unit = "") {
  return MetricFamily{std::move(name), type, std::move(help), std::move(unit), {}};
}

}  // namespace

std::vector<MetricFamily> collect_families(const Snapshot& snap, const CostAccountant& acct,
                                           const std::map<std::string, WorkloadAccount>& workloads,
                                           const AgentStats& stats, const CollectContext& ctx) {
  auto info = family("frugal_gpu", MetricType::kInfo, "GPU identity: name, UUID, PCI bus id, driver, priced instance type.");
  auto util = family("frugal_gpu_utilization_ratio", MetricType::kGauge,
                     "Share of the last sample period during which a kernel ran on the GPU (NVML utilization.gpu).", "ratio");
  auto mem_util = family("frugal_gpu_memory_utilization_ratio", MetricType::kGauge,
                         "Share of the last sample period during which device memory was read or written.", "ratio");
  auto mem_used = family("frugal_gpu_memory_used_bytes", MetricType::kGauge, "Device memory in use.", "bytes");
  auto mem_size = family("frugal_gpu_memory_bytes", MetricType::kGauge, "Device memory size.", "bytes");
  auto temp = family("frugal_gpu_temperature_celsius", MetricType::kGauge, "GPU die temperature.", "celsius");
  auto power = family("frugal_gpu_power_watts", MetricType::kGauge, "Power draw.", "watts");
  auto power_limit = family("frugal_gpu_power_limit_watts", MetricType::kGauge, "Enforced power limit.", "watts");
  auto energy = family("frugal_gpu_energy_joules", MetricType::kCounter,
                       "Energy consumed since the driver loaded; rate() gives watts.", "joules");
  auto sm_clock = family("frugal_gpu_sm_clock_hertz", MetricType::kGauge, "SM clock.", "hertz");
  auto mem_clock = family("frugal_gpu_memory_clock_hertz", MetricType::kGauge, "Memory clock.", "hertz");
  auto mig_mode = family("frugal_gpu_mig_enabled", MetricType::kGauge, "1 when MIG mode is enabled on the GPU.");
  auto mig_info = family("frugal_gpu_mig_instance", MetricType::kInfo, "A MIG instance on the GPU.");
  auto mig_mem = family("frugal_gpu_mig_memory_used_bytes", MetricType::kGauge, "Memory in use in a MIG instance.", "bytes");
  auto lost = family("frugal_gpu_lost", MetricType::kGauge, "1 when NVML reports the GPU as lost (fell off the bus).");
  auto proc_mem = family("frugal_gpu_process_memory_used_bytes", MetricType::kGauge,
                         "GPU memory used by a compute process.", "bytes");
  auto proc_sm = family("frugal_gpu_process_sm_utilization_ratio", MetricType::kGauge,
                        "Share of the GPU's SM time used by a process (NVML process utilization).", "ratio");
  auto price = family("frugal_gpu_price_dollars_per_hour", MetricType::kGauge,
                      "Price of one GPU-hour: the instance's hourly price divided by its GPUs.");
  auto cost = family("frugal_gpu_cost_dollars", MetricType::kCounter, "Dollars this GPU cost while the agent watched it.", "dollars");
  auto idle_s = family("frugal_gpu_idle_seconds", MetricType::kCounter,
                       "Time the GPU spent idle: utilization under the threshold for longer than the grace period.", "seconds");
  auto idle_cost = family("frugal_gpu_idle_cost_dollars", MetricType::kCounter, "Dollars paid for idle time.", "dollars");
  auto idle_now = family("frugal_gpu_idle", MetricType::kGauge, "1 while the GPU is inside an idle stretch.");
  auto threshold = family("frugal_gpu_idle_threshold_ratio", MetricType::kGauge, "Utilization below which a GPU counts as idle.", "ratio");
  auto grace = family("frugal_gpu_idle_grace_seconds", MetricType::kGauge, "How long low utilization lasts before it is idle.", "seconds");

  for (const auto& g : snap.gpus) {
    const std::string gpu = std::to_string(g.index);
    const Labels id = {{"gpu", gpu}, {"uuid", g.uuid}};
    info.samples.push_back({{{"gpu", gpu}, {"uuid", g.uuid}, {"name", g.name}, {"pci_bus_id", g.pci_bus_id},
                             {"driver_version", snap.driver_version}, {"instance_type", ctx.instance_type}},
                            1});
    lost.samples.push_back({id, g.lost ? 1.0 : 0.0});
    if (g.utilization) util.samples.push_back({id, *g.utilization});
    if (g.memory_utilization) mem_util.samples.push_back({id, *g.memory_utilization});
    if (g.memory_used_bytes) mem_used.samples.push_back({id, static_cast<double>(*g.memory_used_bytes)});
    if (g.memory_total_bytes) mem_size.samples.push_back({id, static_cast<double>(*g.memory_total_bytes)});
    if (g.temperature_celsius) temp.samples.push_back({id, *g.temperature_celsius});
    if (g.power_watts) power.samples.push_back({id, *g.power_watts});
    if (g.power_limit_watts) power_limit.samples.push_back({id, *g.power_limit_watts});
    if (g.energy_joules) energy.samples.push_back({id, *g.energy_joules});
    if (g.sm_clock_hz) sm_clock.samples.push_back({id, *g.sm_clock_hz});
    if (g.memory_clock_hz) mem_clock.samples.push_back({id, *g.memory_clock_hz});
    if (g.mig_enabled) mig_mode.samples.push_back({id, *g.mig_enabled ? 1.0 : 0.0});
    for (const auto& m : g.mig_instances) {
      mig_info.samples.push_back({{{"gpu", gpu}, {"uuid", g.uuid}, {"mig_uuid", m.uuid}, {"name", m.name}}, 1});
      if (m.memory_used_bytes)
        mig_mem.samples.push_back({{{"gpu", gpu}, {"uuid", g.uuid}, {"mig_uuid", m.uuid}}, static_cast<double>(*m.memory_used_bytes)});
    }
    for (const auto& p : ctx.process_metrics ? g.processes : std::vector<GpuProcess>{}) {
      // `process` is the executable's name; the command line only when the agent exposes it.
      Labels pl = {{"gpu", gpu}, {"uuid", g.uuid}, {"pid", std::to_string(p.pid)}, {"user", p.user}, {"process", p.name},
                   {"workload", p.workload.id()}};
      if (!p.command.empty()) pl.emplace_back("command", p.command);
      if (p.memory_bytes) proc_mem.samples.push_back({pl, static_cast<double>(*p.memory_bytes)});
      if (p.sm_ratio) proc_sm.samples.push_back({pl, *p.sm_ratio});
    }
    if (const GpuAccount* found = find_account(acct.accounts(), g)) {
      const GpuAccount& a = *found;
      price.samples.push_back({id, acct.price_per_gpu_hour()});
      cost.samples.push_back({id, a.cost});
      idle_s.samples.push_back({id, a.idle_seconds});
      idle_cost.samples.push_back({id, a.idle_cost});
      idle_now.samples.push_back({id, a.idle ? 1.0 : 0.0});
    }
  }
  threshold.samples.push_back({{}, acct.policy().threshold});

  // Per workload (a Slurm job, pod, container, systemd unit or user): one label set each
  // (workload.h), whatever number of processes it runs.
  auto w_seconds = family("frugal_workload_gpu_seconds", MetricType::kCounter,
                          "GPU time charged to the workload: its used share plus an equal part of what its GPUs left unused.", "seconds");
  auto w_busy = family("frugal_workload_gpu_busy_seconds", MetricType::kCounter,
                       "GPU time the workload kept busy (its SM share x time), where that share is known.", "seconds");
  auto w_util = family("frugal_workload_utilization_ratio", MetricType::kGauge,
                       "Busy share of the GPU time charged to the workload, since it was first seen.", "ratio");
  auto w_cost = family("frugal_workload_cost_dollars", MetricType::kCounter, "Dollars of GPU time charged to the workload.", "dollars");
  auto w_idle = family("frugal_workload_idle_cost_dollars", MetricType::kCounter,
                       "Dollars of GPU capacity the workload held but did not use.", "dollars");
  auto w_energy = family("frugal_workload_energy_joules", MetricType::kCounter, "GPU energy charged to the workload.", "joules");
  auto w_mem = family("frugal_workload_memory_used_bytes", MetricType::kGauge,
                      "GPU memory the workload's processes held at its last sample.", "bytes");
  auto w_gpus = family("frugal_workload_gpus", MetricType::kGauge, "GPUs the workload has run on.");
  for (const auto& [id, a] : workloads) {
    // Every series carries the workload's labels (kind, user, job, namespace, pod...): one set
    // per workload either way, and `sum by (user)` works without a join.
    const Labels key = a.workload.labels();
    w_seconds.samples.push_back({key, a.gpu_seconds});
    w_busy.samples.push_back({key, a.busy_seconds});
    if (a.known_seconds > 0) w_util.samples.push_back({key, a.utilization()});
    w_cost.samples.push_back({key, a.cost});
    w_idle.samples.push_back({key, a.idle_cost});
    w_energy.samples.push_back({key, a.energy_joules});
    w_mem.samples.push_back({key, a.memory_bytes});
    w_gpus.samples.push_back({key, static_cast<double>(a.gpus.size())});
  }
  grace.samples.push_back({{}, acct.policy().grace_s});

  auto samples = family("frugal_agent_samples", MetricType::kCounter, "Sampling cycles completed.");
  samples.samples.push_back({{}, stats.samples});
  auto last = family("frugal_agent_last_sample_timestamp_seconds", MetricType::kGauge, "When the last cycle ran.", "seconds");
  last.samples.push_back({{}, stats.last_sample_time});
  auto cycle = family("frugal_agent_cycle_seconds", MetricType::kGauge, "Wall time of the last sampling cycle.", "seconds");
  cycle.samples.push_back({{}, stats.last_cycle_seconds});
  auto errors = family("frugal_agent_nvml_errors", MetricType::kCounter, "NVML calls that failed (NOT_SUPPORTED excluded).");
  errors.samples.push_back({{}, stats.nvml_errors});
  auto cpu = family("frugal_agent_cpu_seconds", MetricType::kCounter, "CPU time used by the agent (user + system).", "seconds");
  cpu.samples.push_back({{}, stats.cpu_seconds});
  auto rss = family("frugal_agent_resident_memory_bytes", MetricType::kGauge, "Resident memory of the agent.", "bytes");
  rss.samples.push_back({{}, stats.resident_bytes});
  auto gpus = family("frugal_gpus", MetricType::kGauge, "GPUs NVML reports on this machine.");
  gpus.samples.push_back({{}, static_cast<double>(snap.gpus.size())});

  return {info, util, mem_util, mem_used, mem_size, temp, power, power_limit, energy, sm_clock, mem_clock,
          mig_mode, mig_info, mig_mem, lost, proc_mem, proc_sm, price, cost, idle_s, idle_cost, idle_now,
          threshold, grace, w_seconds, w_busy, w_util, w_cost, w_idle, w_energy, w_mem, w_gpus,
          gpus, samples, last, cycle, errors, cpu, rss};
}

}  // namespace frugal::telemetry
