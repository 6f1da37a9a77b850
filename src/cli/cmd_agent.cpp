// `frugal agent`: GPU telemetry with dollars attached, served on /metrics; `frugal agent report`:
// utilization and idle dollars per GPU from the agent's history.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>

#include "aws/cloudwatch.h"
#include "aws/config.h"
#include "aws/environment.h"
#include "cli/aws_options.h"
#include "cli/common.h"
#include "cli/stop_signal.h"
#include "cli/telemetry_setup.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/time_util.h"
#include "core/toml_util.h"
#include "core/units.h"
#include "podresources/client.h"
#include "telemetry/agent.h"
#include "telemetry/history.h"
#include "telemetry/server.h"
#include "telemetry/top.h"

namespace frugal::cli {
namespace {


// CloudWatch PutMetricData through the aws module's signed client.
class CloudWatchPublisher final : public telemetry::MetricPublisher {
 public:
  CloudWatchPublisher(const aws::AwsConfig& cfg, std::string ns) : client_(cfg, "monitoring"), cw_(client_), ns_(std::move(ns)) {}
  void publish(const telemetry::CloudBatch& b) override {
    std::vector<aws::MetricDatum> data;
    for (const auto& m : b.metrics) {
      data.push_back({m.name, m.dimensions, m.value, m.unit, static_cast<std::time_t>(b.time)});
    }
    cw_.put_metric_data(ns_, data);
  }

 private:
  aws::AwsClient client_;
  aws::CloudWatch cw_;
  std::string ns_;
};

struct AgentCmd {
  TelemetryOptions t;
  std::string listen;
  std::string textfile;
  bool no_history = false;
  bool expose_cmdline = false;
  bool process_metrics = false;
  std::string pod_resources = "/var/lib/kubelet/pod-resources/kubelet.sock";
  bool cloudwatch = false;
  std::string emf;
  std::string namespace_;
  std::vector<std::string> dimensions;
  std::string publish_interval;
  std::string duration;  // stop after this long (tests, benchmarks); empty = until a signal
  aws::AwsOptions aws;
};

void run_agent(const GlobalOptions& g, const AgentCmd& o) {
  TelemetryOptions t = o.t;
  t.region = o.aws.region;  // one --region: where CloudWatch goes and whose prices apply
  TelemetrySetup s = setup_telemetry(g, t);
  if (!s.source) throw Error(s.why);
  const std::string file = s.data_dir + "/telemetry/defaults.toml";
  const toml::table defaults = load_toml_file(file);
  const std::string listen = o.listen.empty() ? require_string(defaults, "listen", file) : o.listen;

  telemetry::AgentOptions ao;
  ao.interval_s = s.interval_s;
  ao.textfile = o.textfile;
  ao.expose_cmdline = o.expose_cmdline;
  ao.publish_interval_s = o.publish_interval.empty() ? require_number(defaults, "cloudwatch_interval_seconds", file)
                                                     : parse_duration(o.publish_interval, "--publish-interval");
  ao.context = {s.price.instance_type, s.price.purchase, o.process_metrics};
  ao.workload_limits = telemetry::load_workload_limits(s.data_dir);
  ao.mig_slices = telemetry::load_mig_slices(s.data_dir);
  // On a Kubernetes node the kubelet's pod resources socket names pods known only by UID.
  std::shared_ptr<podresources::Lister> lister;
  if (!o.pod_resources.empty() && o.pod_resources != "off" && std::filesystem::exists(o.pod_resources)) {
    lister = podresources::make_kubelet_lister(o.pod_resources);
    ao.device_holders = [lister] {
      std::vector<telemetry::DeviceHolder> out;
      for (auto& d : lister->list()) out.push_back({d.ns, d.pod, d.container, d.device_id});
      return out;
    };
  }
  for (const auto& d : o.dimensions) {
    const auto eq = d.find('=');
    if (eq == std::string::npos || eq == 0) throw Error(fmt::format("--cloudwatch-dimension '{}': expected NAME=VALUE", d));
    ao.cloud_dimensions.emplace_back(d.substr(0, eq), d.substr(eq + 1));
  }
  if (!s.price.instance_type.empty()) ao.cloud_dimensions.emplace_back("InstanceType", s.price.instance_type);
  const std::string ns = o.namespace_.empty() ? require_string(defaults, "cloudwatch_namespace", file) : o.namespace_;

  std::unique_ptr<telemetry::AsyncPublisher> publisher;
  if (o.cloudwatch && !o.emf.empty()) throw Error("--cloudwatch and --emf: choose one");
  if (o.cloudwatch) {
    aws::SystemEnvironment env;
    publisher = std::make_unique<telemetry::AsyncPublisher>(
        std::make_unique<CloudWatchPublisher>(aws::resolve_config(o.aws, env), ns));
  } else if (!o.emf.empty()) {
    publisher = std::make_unique<telemetry::AsyncPublisher>(std::make_unique<telemetry::EmfFilePublisher>(o.emf, ns));
  }
  std::unique_ptr<telemetry::HistoryStore> history;
  if (!o.no_history) {
    history = std::make_unique<telemetry::HistoryStore>(s.db_path, telemetry::load_retention(s.data_dir));
    history->set_host({{"instance_id", s.instance_id}, {"instance_type", s.price.instance_type}});
  }

  telemetry::CostAccountant acct(s.policy, s.price.per_gpu_hour);
  telemetry::Agent agent(*s.source, acct, history.get(), publisher.get(), ao);
  telemetry::MetricsServer server(agent, listen, s.interval_s);
  std::cerr << fmt::format("frugal agent: {}; serving http://{}:{}/metrics; {}\n", s.source->describe(), server.host(),
                           server.port(),
                           s.price.per_gpu_hour > 0 ? fmt::format("${:.4f}/GPU-h ({})", s.price.per_gpu_hour, s.price.note)
                                                    : s.price.note);
  if (lister) std::cerr << fmt::format("frugal agent: naming pods from the kubelet's pod resources API ({})\n", o.pod_resources);
  std::cerr << fmt::format("frugal agent: idle = utilization < {:g} for more than {:g}s; history {}\n", s.policy.threshold,
                           s.policy.grace_s, history ? s.db_path : "off");
  std::atomic<bool>& stop = stop_on_signals();
  std::thread stopper;
  if (!o.duration.empty()) {
    const double d = parse_duration(o.duration, "--duration");
    stopper = std::thread([d, &stop] {
      sleep_unless_stopped(stop, d);
      stop.store(true);
    });
  }
  agent.run(stop);
  if (stopper.joinable()) stopper.join();
  if (publisher && publisher->failed() > 0) {
    std::cerr << fmt::format("frugal agent: {} publish(es) failed, last: {}\n", publisher->failed(), publisher->last_error());
  }
  std::cerr << "frugal agent: stopped\n";
}

struct ReportCmd {
  std::string since = "7d";
  std::string db;
  std::string by = "gpu";
};

// `--by job|pod|namespace|user|unit|account|partition|workload`: who burned what.
void run_workload_report(const GlobalOptions& g, const ReportCmd& o, telemetry::HistoryStore& store, double since,
                         double now) {
  const auto rows = store.workload_usage(since, now + 1, o.by);
  double gpu_cost = 0;
  for (const auto& u : store.usage(since, now + 1)) gpu_cost += u.cost;
  Table t;
  t.title = fmt::format("GPU usage by {} over the last {}", o.by, o.since);
  t.columns = {{o.by, o.by},
               {"kind", "kind"},
               {"users", "user"},
               {"workloads", "workloads", true},
               {"gpus", "GPUs", true},
               {"gpu_hours", "GPU-hours", true},
               {"utilization", "util", true},
               {"cost_usd", "cost $", true},
               {"idle_cost_usd", "idle $", true},
               {"idle_share", "idle %", true},
               {"energy_kwh", "energy kWh", true},
               {"max_memory_gib", "max mem GiB", true}};
  double cost = 0, idle = 0;
  for (const auto& u : rows) {
    cost += u.cost;
    idle += u.idle_cost;
    const double share = u.cost > 0 ? u.idle_cost / u.cost : 0;
    const bool known = u.known_seconds > 0;
    t.rows.push_back({Cell(u.key.empty() ? std::string("(not a ") + o.by + ")" : u.key), Cell(u.kinds), Cell(u.users),
                      Cell(std::to_string(u.workloads), u.workloads), Cell(std::to_string(u.gpus), u.gpus),
                      Cell(fmt::format("{:.3f}", u.gpu_seconds / 3600), u.gpu_seconds / 3600),
                      known ? Cell(fmt::format("{:.0f}%", u.utilization() * 100), u.utilization()) : Cell("?"),
                      Cell(fmt::format("{:.4f}", u.cost), u.cost), Cell(fmt::format("{:.4f}", u.idle_cost), u.idle_cost),
                      Cell(fmt::format("{:.0f}%", share * 100), share),
                      Cell(fmt::format("{:.3f}", u.energy_joules / 3.6e6), u.energy_joules / 3.6e6),
                      Cell(fmt::format("{:.1f}", u.max_memory_bytes / 1073741824.0), u.max_memory_bytes / 1073741824.0)});
  }
  if (rows.empty()) t.notes.push_back("no workloads in this period");
  t.notes.push_back(fmt::format("workloads: ${:.4f}, of which ${:.4f} held idle; GPUs with nothing running: ${:.4f}", cost,
                                idle, std::max(0.0, gpu_cost - cost)));
  t.notes.push_back("idle $ = the capacity a workload held but did not use (its GPUs' unused share, split among their holders)");
  emit(g, {t}, t.to_json());
}

void run_report(const GlobalOptions& g, const ReportCmd& o) {
  const std::string data_dir = resolve_data_dir(g.data_dir);
  const std::string path = o.db.empty() ? telemetry::default_history_path() : o.db;
  if (!std::filesystem::exists(path)) throw Error(fmt::format("{}: no agent history (run `frugal agent` first)", path));
  telemetry::HistoryStore store(path, telemetry::load_retention(data_dir));
  const double now = now_epoch_seconds();
  const double since = now - parse_duration(o.since, "--since");
  if (o.by != "gpu") return run_workload_report(g, o, store, since, now);
  const auto rows = store.usage(since, now + 1);
  Table t;
  t.title = fmt::format("GPU usage over the last {} ({} data)", o.since, store.tier_for(since, now));
  t.columns = {{"gpu", "GPU", true},          {"name", "name"},
               {"uuid", "UUID"},              {"watched_hours", "watched", true},
               {"mean_utilization", "mean util", true}, {"idle_hours", "idle", true},
               {"cost_usd", "cost $", true},  {"idle_cost_usd", "idle $", true},
               {"idle_share", "idle %", true}};
  double cost = 0, idle = 0;
  for (const auto& u : rows) {
    cost += u.cost;
    idle += u.idle_cost;
    const double share = u.seconds > 0 ? u.idle_seconds / u.seconds : 0;
    t.rows.push_back({Cell(std::to_string(u.index), u.index), Cell(u.name), Cell(u.uuid),
                      Cell(telemetry::short_duration(u.seconds), u.seconds / 3600),
                      Cell(fmt::format("{:.0f}%", u.mean_utilization * 100), u.mean_utilization),
                      Cell(telemetry::short_duration(u.idle_seconds), u.idle_seconds / 3600),
                      Cell(fmt::format("{:.4f}", u.cost), u.cost), Cell(fmt::format("{:.4f}", u.idle_cost), u.idle_cost),
                      Cell(fmt::format("{:.0f}%", share * 100), share)});
  }
  if (rows.empty()) t.notes.push_back("no samples in this period");
  t.notes.push_back(fmt::format("total ${:.4f}, of which ${:.4f} idle ({:.0f}%)", cost, idle, cost > 0 ? 100 * idle / cost : 0));
  emit(g, {t}, t.to_json());
}

}  // namespace

void register_agent(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<AgentCmd>();
  auto* a = app.add_subcommand("agent", "Sample GPUs via NVML, price idle time, serve Prometheus /metrics");
  add_telemetry_options(a, o->t, /*region_option=*/false);  // --region comes with the AWS options
  a->add_option("--listen", o->listen, "HOST:PORT for /metrics, /healthz, /api/v1/gpus (default 0.0.0.0:9401)");
  a->add_option("--textfile", o->textfile, "Also write the metrics to this node_exporter textfile (*.prom)");
  a->add_flag("--no-history", o->no_history, "Do not keep history in SQLite");
  a->add_flag("--expose-cmdline", o->expose_cmdline,
              "Serve process command lines (label/field `command`); off: they can hold secrets, only names are served");
  a->add_flag("--process-metrics", o->process_metrics,
              "Also serve per-process series (labels pid, user, process, workload); off: one series set per workload");
  a->add_option("--pod-resources", o->pod_resources,
                 "The kubelet's pod resources socket, to name pods (default /var/lib/kubelet/pod-resources/kubelet.sock when present; off: never)");
  a->add_flag("--cloudwatch", o->cloudwatch, "Publish to CloudWatch with PutMetricData");
  a->add_option("--emf", o->emf, "Append CloudWatch Embedded Metric Format lines to FILE (for the CloudWatch agent)");
  a->add_option("--cloudwatch-namespace", o->namespace_, "CloudWatch namespace (default frugal/GPU)");
  a->add_option("--cloudwatch-dimension", o->dimensions, "Extra dimension NAME=VALUE on every metric (repeatable)");
  a->add_option("--publish-interval", o->publish_interval, "CloudWatch/EMF period (default 60s)");
  a->add_option("--duration", o->duration, "Stop after this long (default: run until SIGINT/SIGTERM)");
  add_aws_options(a, o->aws);
  a->callback([&g, o, a] {
    if (a->get_subcommands().empty()) run_agent(g, *o);
  });

  auto r = std::make_shared<ReportCmd>();
  auto* rep = a->add_subcommand("report", "Utilization and idle dollars per GPU or per workload from the agent's history");
  rep->add_option("--by", r->by, "gpu (default), or a workload grouping: job, pod, namespace, user, unit, account, partition, workload")
      ->check(CLI::IsMember([] {
        std::vector<std::string> v = {"gpu"};
        for (const auto& x : telemetry::workload_groupings()) v.push_back(x);
        return v;
      }()));
  rep->add_option("--since", r->since, "How far back (default 7d)");
  rep->add_option("--db", r->db, "History database (default: ~/.local/state/frugal/telemetry.db)");
  rep->callback([&g, r] { run_report(g, *r); });
}

}  // namespace frugal::cli
