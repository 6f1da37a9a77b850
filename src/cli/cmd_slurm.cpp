// `frugal slurm gres`: gres.conf and the node's Gres= from NVML; `frugal slurm report`: per-job
// GPU efficiency and dollars, Slurm's jobs joined with the agents' history.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/common.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/files.h"
#include "core/output.h"
#include "core/time_util.h"
#include "core/toml_util.h"
#include "core/units.h"
#include "slurm/command.h"
#include "slurm/gres.h"
#include "slurm/jobs.h"
#include "slurm/report.h"
#include "telemetry/history.h"
#include "telemetry/nvml.h"

namespace frugal::cli {
namespace {

struct GresCmd {
  std::string node_name, device_dir = "/dev", type, nvml_library, gres_conf, mig_minors = "/proc/driver/nvidia-caps/mig-minors";
  int shards = 0, mps = 0;
};

std::string short_hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  std::string h = buf;
  return h.substr(0, h.find('.'));
}

void run_gres(const GlobalOptions& g, const GresCmd& o) {
  std::string why;
  auto src = telemetry::NvmlSource::open(&why, o.nvml_library);
  if (!src) throw Error(why);
  slurm::GresOptions go;
  go.node_name = o.node_name.empty() ? short_hostname() : o.node_name;
  go.device_dir = o.device_dir;
  go.type = o.type;
  go.shards_per_gpu = o.shards;
  go.mps_per_gpu = o.mps;
  go.mig_minors = read_file(o.mig_minors).value_or("");  // absent without MIG support
  const auto plan = slurm::plan_gres(src->sample(now_epoch_seconds()), go);
  if (!o.gres_conf.empty()) write_file_atomic(o.gres_conf, plan.gres_conf);
  if (g.format == "json") {
    std::cout << nlohmann::json{{"gres_conf", plan.gres_conf}, {"node_gres", plan.node_gres}, {"gres_types", plan.gres_types},
                                {"notes", plan.notes}}
                     .dump(2)
              << "\n";
    return;
  }
  if (o.gres_conf.empty()) std::cout << "# gres.conf\n" << plan.gres_conf << "\n";
  else std::cout << "# wrote " << o.gres_conf << "\n\n";
  std::cout << "# slurm.conf (add to the node's line, with its CPUs and memory)\n";
  std::cout << "GresTypes=" << plan.gres_types << "\n";
  std::cout << "NodeName=" << go.node_name << " Gres=" << plan.node_gres << "\n";
  for (const auto& n : plan.notes) std::cout << "# " << n << "\n";
}

struct ReportCmd {
  std::string since = "7d";
  std::vector<std::string> dbs;
  double flag_share = -1;
};

std::string slurm_time(double epoch) {
  const auto t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

void run_report(const GlobalOptions& g, const ReportCmd& o) {
  const std::string data_dir = resolve_data_dir(g.data_dir);
  const std::string file = data_dir + "/slurm/defaults.toml";
  const double share = o.flag_share >= 0 ? o.flag_share : require_number(load_toml_file(file), "idle_flag_share", file);
  const double now = now_epoch_seconds();
  const double since = now - parse_duration(o.since, "--since");
  std::vector<std::string> dbs = o.dbs;
  if (dbs.empty()) dbs.push_back(telemetry::default_history_path());
  std::vector<std::vector<telemetry::WorkloadUsage>> parts;
  for (const auto& db : dbs) {
    if (!std::filesystem::exists(db)) throw Error(fmt::format("{}: no agent history (run `frugal agent` on the node)", db));
    telemetry::HistoryStore store(db, telemetry::load_retention(data_dir));
    parts.push_back(store.workload_usage(since, now + 1, "job"));
  }
  slurm::ProcessRunner runner;
  const auto listing = slurm::list_jobs(runner, slurm_time(since));
  const auto r = slurm::build_report(listing, slurm::merge_usage(parts), share);

  Table jobs;
  jobs.title = fmt::format("Slurm jobs over the last {}: GPU time and dollars", o.since);
  jobs.columns = {{"job", "job"},       {"user", "user"},         {"account", "account"},  {"partition", "partition"},
                  {"state", "state"},   {"gres", "gres"},         {"gpu_hours", "GPU-hours", true},
                  {"utilization", "util", true}, {"cost_usd", "cost $", true}, {"idle_cost_usd", "idle $", true},
                  {"idle_share", "idle %", true}, {"flag", "flag"}};
  for (const auto& row : r.jobs) {
    const auto& u = row.usage;
    const double share_idle = u.cost > 0 ? u.idle_cost / u.cost : 0;
    const bool known = u.known_seconds > 0;
    jobs.rows.push_back(
        {Cell(row.job.id), Cell(row.job.user), Cell(row.job.account), Cell(row.job.partition),
         Cell(row.known_to_slurm ? row.job.state : std::string("(gone)")), Cell(row.job.gres.empty() ? "-" : row.job.gres),
         row.has_usage ? Cell(fmt::format("{:.3f}", u.gpu_seconds / 3600), u.gpu_seconds / 3600) : Cell("-", nullptr),
         row.has_usage && known ? Cell(fmt::format("{:.0f}%", u.utilization() * 100), u.utilization()) : Cell("-", nullptr),
         row.has_usage ? Cell(fmt::format("{:.4f}", u.cost), u.cost) : Cell("-", nullptr),
         row.has_usage ? Cell(fmt::format("{:.4f}", u.idle_cost), u.idle_cost) : Cell("-", nullptr),
         row.has_usage ? Cell(fmt::format("{:.0f}%", share_idle * 100), share_idle) : Cell("-", nullptr),
         Cell(row.flagged ? "IDLE" : row.has_usage ? "" : "no agent data")});
  }
  if (r.jobs.empty()) jobs.notes.push_back("no jobs");
  jobs.notes.push_back(fmt::format("IDLE: at least {:.0f}% of the job's GPU dollars paid for capacity it held but did not use", share * 100));
  for (const auto& n : r.notes) jobs.notes.push_back(n);
  auto owners = [&](const std::string& title, const std::string& what, const std::vector<slurm::OwnerRow>& rows) {
    Table t;
    t.title = title;
    t.columns = {{what, what}, {"jobs", "jobs", true}, {"flagged", "flagged", true}, {"gpu_hours", "GPU-hours", true},
                 {"cost_usd", "cost $", true}, {"idle_cost_usd", "idle $", true}};
    for (const auto& x : rows) {
      t.rows.push_back({Cell(x.key), Cell(std::to_string(x.jobs), x.jobs), Cell(std::to_string(x.flagged), x.flagged),
                        Cell(fmt::format("{:.3f}", x.gpu_seconds / 3600), x.gpu_seconds / 3600),
                        Cell(fmt::format("{:.4f}", x.cost), x.cost), Cell(fmt::format("{:.4f}", x.idle_cost), x.idle_cost)});
    }
    return t;
  };
  const Table users = owners("Idle GPU dollars by user", "user", r.by_user);
  const Table accounts = owners("Idle GPU dollars by account", "account", r.by_account);
  emit(g, {jobs, users, accounts},
       nlohmann::json{{"jobs", jobs.to_json()}, {"by_user", users.to_json()}, {"by_account", accounts.to_json()}});
}

}  // namespace

void register_slurm(CLI::App& app, GlobalOptions& g) {
  auto* s = app.add_subcommand("slurm", "frugal inside Slurm: gres.conf from NVML, per-job GPU dollars");
  s->require_subcommand(1);
  auto go = std::make_shared<GresCmd>();
  auto* gres = s->add_subcommand("gres", "gres.conf lines and the node's Gres= for this machine's GPUs (NVML)");
  gres->add_option("--node-name", go->node_name, "NodeName of the lines (default: the short hostname)");
  gres->add_option("--shards", go->shards, "Shards per GPU (fractional sharing: --gres=shard:N)")->check(CLI::Range(0, 1024));
  gres->add_option("--mps", go->mps, "MPS count per GPU (100: shares in percent)")->check(CLI::Range(0, 1000));
  gres->add_option("--type", go->type, "GPU type for every GPU (default: from the NVML name, e.g. h100)");
  gres->add_option("--device-dir", go->device_dir, "Where the nvidiaN device files are (default /dev)");
  gres->add_option("--mig-minors", go->mig_minors, "MIG capability minors (default /proc/driver/nvidia-caps/mig-minors)");
  gres->add_option("--gres-conf", go->gres_conf, "Write gres.conf to this file (atomically) instead of printing it");
  gres->add_option("--nvml-library", go->nvml_library, "libnvidia-ml to load instead of the default");
  gres->callback([&g, go] { run_gres(g, *go); });

  auto ro = std::make_shared<ReportCmd>();
  auto* rep = s->add_subcommand("report", "Per-job GPU time, utilization, dollars and idle dollars; idle jobs flagged");
  rep->add_option("--since", ro->since, "How far back (default 7d)");
  rep->add_option("--db", ro->dbs, "Agent history file, one per node (repeatable; default: this machine's)")->allow_extra_args(false);
  rep->add_option("--flag-share", ro->flag_share, "Flag jobs whose idle dollars are at least this share (default 0.5)")
      ->check(CLI::Range(0.0, 1.0));
  rep->callback([&g, ro] { run_report(g, *ro); });
}

}  // namespace frugal::cli
