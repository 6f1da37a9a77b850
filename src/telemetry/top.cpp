#include "telemetry/top.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/time_util.h"

namespace frugal::telemetry {

std::string short_duration(double s) {
  const auto t = static_cast<long>(s);
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m", t / 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

namespace {

std::string bar(double ratio, int width) {
  ratio = std::clamp(ratio, 0.0, 1.0);
  const int filled = static_cast<int>(std::lround(ratio * width));
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
}

std::string gib(double bytes) { return fmt::format("{:.1f}", bytes / (1024.0 * 1024 * 1024)); }

std::string paint(const std::string& s, const char* code, bool color) {
  return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
}

}  // namespace

std::string render_top(const Published& p, const TopView& v) {
  std::string out;
  const auto& snap = p.snapshot;
  std::string price = v.price_per_gpu_hour > 0 ? fmt::format("${:.2f}/GPU-h", v.price_per_gpu_hour)
                                               : "price unknown" + (v.price_note.empty() ? "" : ": " + v.price_note);
  out += fmt::format("frugal top  {} GPU{}  {}{}  {}  driver {}  {}\n", snap.gpus.size(), snap.gpus.size() == 1 ? "" : "s",
                     v.instance_type.empty() ? "" : v.instance_type,
                     v.instance_type.empty() || v.purchase.empty() ? "" : " " + v.purchase, price,
                     snap.driver_version.empty() ? "?" : snap.driver_version, format_utc(static_cast<std::time_t>(p.time), "%Y-%m-%d %H:%M:%S UTC"));
  // 87 columns are fixed; the two bars share the rest (6 to 20 each).
  const int bar_w = std::max(6, std::min(20, (v.width - 87 - 1) / 2 - 2));
  out += fmt::format("{:>3}  {:<22} {:<{}} {:>4}  {:<{}} {:>13} {:>5} {:>5} {:>7} {:>9}  {}\n", "GPU", "NAME", "UTIL",
                     bar_w + 2, "", "MEM", bar_w + 2, "USED/TOTAL GiB", "TEMP", "POWER", "$/h", "IDLE $", "STATE");
  double burn = 0, idle_burn = 0, idle_total = 0;
  int idle_gpus = 0;
  for (const auto& g : snap.gpus) {
    const GpuAccount* a = find_account(p.accounts, g);
    std::string name = g.name.size() > 22 ? g.name.substr(0, 22) : g.name;
    std::string util = g.utilization ? bar(*g.utilization, bar_w) : "[" + std::string(bar_w, ' ') + "]";
    std::string util_pct = g.utilization ? fmt::format("{:>3.0f}%", *g.utilization * 100) : " n/a";
    const double mem_ratio = (g.memory_used_bytes && g.memory_total_bytes && *g.memory_total_bytes > 0)
                                 ? static_cast<double>(*g.memory_used_bytes) / static_cast<double>(*g.memory_total_bytes)
                                 : 0;
    std::string mem = bar(mem_ratio, bar_w);
    std::string mem_txt = g.memory_total_bytes ? fmt::format("{}/{}", gib(static_cast<double>(g.memory_used_bytes.value_or(0))),
                                                             gib(static_cast<double>(*g.memory_total_bytes)))
                                               : "?";
    std::string temp = g.temperature_celsius ? fmt::format("{:.0f}C", *g.temperature_celsius) : "-";
    std::string power = g.power_watts ? fmt::format("{:.0f}W", *g.power_watts) : "-";
    std::string state = "busy";
    const char* state_color = "32";
    if (g.lost) {
      state = "LOST";
      state_color = "31;1";
    } else if (a && a->idle) {
      state = "IDLE " + short_duration(a->low_run_s);
      state_color = "31";
    } else if (a && a->low) {
      state = "low " + short_duration(a->low_run_s);
      state_color = "33";
    }
    const double idle_dollars = a ? a->idle_cost : 0;
    idle_total += idle_dollars;
    burn += v.price_per_gpu_hour;
    if (g.lost || (a && a->idle)) {
      idle_burn += v.price_per_gpu_hour;
      ++idle_gpus;
    }
    out += fmt::format("{:>3}  {:<22} {} {}  {} {:>13} {:>5} {:>5} {:>7.2f} {:>9.2f}  {}\n", g.index, name, util, util_pct, mem,
                       mem_txt, temp, power, v.price_per_gpu_hour, idle_dollars, paint(state, state_color, v.color));
    for (const auto& m : g.mig_instances) {
      out += fmt::format("     MIG {:<40} {}/{} GiB\n", m.name + " " + m.uuid, gib(static_cast<double>(m.memory_used_bytes.value_or(0))),
                         gib(static_cast<double>(m.memory_total_bytes.value_or(0))));
    }
  }
  out += fmt::format("Burning ${:.2f}/h, of which ${:.2f}/h on {} idle GPU{}. Idle so far (this session): ${:.2f}.", burn,
                     idle_burn, idle_gpus, idle_gpus == 1 ? "" : "s", idle_total);
  if (v.today) {
    double today_idle = 0, today_cost = 0;
    for (const auto& u : *v.today) {
      today_idle += u.idle_cost;
      today_cost += u.cost;
    }
    out += fmt::format(" Today (agent history): ${:.2f} idle of ${:.2f}.", today_idle, today_cost);
  }
  out += "\n";
  if (!snap.errors.empty()) out += paint("NVML: " + snap.errors.front(), "31", v.color) + "\n";
  out += fmt::format("\n{:>3}  {:>7}  {:<10} {:>9} {:>4}  {}\n", "GPU", "PID", "USER", "GPU MEM", "SM", "COMMAND");
  int shown = 0;
  for (const auto& g : snap.gpus) {
    for (const auto& pr : g.processes) {
      std::string cmd = pr.command;
      const int room = std::max(10, v.width - 42);
      if (static_cast<int>(cmd.size()) > room) cmd = cmd.substr(0, room - 3) + "...";
      out += fmt::format("{:>3}  {:>7}  {:<10} {:>9} {:>4}  {}\n", g.index, pr.pid, pr.user.substr(0, 10),
                         pr.memory_bytes ? gib(static_cast<double>(*pr.memory_bytes)) + "G" : "-",
                         pr.sm_ratio ? fmt::format("{:.0f}%", *pr.sm_ratio * 100) : "-", cmd);
      ++shown;
    }
  }
  if (shown == 0) out += "     (no compute processes)\n";
  return out;
}

}  // namespace frugal::telemetry
