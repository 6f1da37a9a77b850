// `frugal sched extender`: the kube-scheduler extender (src/k8s) as a long-running server.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "cli/common.h"
#include "cli/stop_signal.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/units.h"
#include "http/server.h"
#include "k8s/extender.h"
#include "k8s/kube_api.h"
#include "k8s/routes.h"
#include "sched/policy.h"
#include "sim/trace.h"

namespace frugal::cli {
namespace {

struct ExtenderCmd {
  std::string listen = "127.0.0.1:9403";
  std::string policy = "frugal";
  std::string nodes;      // node list CSV (the simulator's format) instead of the API's nodes
  std::string workload;   // pod list CSV whose task shapes fgd/frugal learn; default: the bundled default trace
  std::string kube_api;   // API server; "" = in-cluster
  std::string token_file, ca_file;
  std::string resync = "30s";
  std::string duration;   // stop after (tests); "" = until a signal
  std::uint64_t seed = 0;
  bool feasible = false, no_api = false, cpu_pods = false;
};

void run_extender(const GlobalOptions& g, const ExtenderCmd& o) {
  const std::string dir = resolve_data_dir(g.data_dir);
  std::unique_ptr<k8s::KubeApi> api;
  if (!o.no_api) {
    k8s::KubeApiOptions ko = k8s::in_cluster_options();
    if (!o.kube_api.empty()) {
      ko.server = o.kube_api;
      ko.token_file = o.token_file;
      ko.ca_file = o.ca_file;
    } else {
      if (!o.token_file.empty()) ko.token_file = o.token_file;
      if (!o.ca_file.empty()) ko.ca_file = o.ca_file;
    }
    api = k8s::make_kube_api(ko);
  }
  if (o.nodes.empty() && !api) throw Error("--no-api needs --nodes (the GPU nodes come from the API otherwise)");
  sched::Cluster cluster = o.nodes.empty() ? k8s::cluster_from_nodes(api->list_nodes()) : sim::load_nodes(o.nodes);
  if (cluster.nodes.empty()) throw Error("no GPU nodes (no node has allocatable nvidia.com/gpu)");
  // The task shapes the policy learns from: the trace's, with models mapped onto this cluster's.
  sched::Cluster shapes = cluster;
  std::vector<sched::Task> workload;
  for (const auto& t : sim::load_tasks(o.workload.empty() ? sim::trace_path(dir, "default") : o.workload, shapes)) {
    workload.push_back(t.task);
  }
  k8s::ExtenderOptions eo;
  eo.policy = o.policy;
  eo.seed = o.seed;
  eo.choose = !o.feasible;
  eo.manage_cpu_pods = o.cpu_pods;
  k8s::Extender ext(cluster, workload, eo, api.get());
  if (api) std::cerr << fmt::format("frugal extender: restored {} pod(s) from annotations\n", ext.rebuild(api->list_pods()["items"]));
  http::Server server(k8s::extender_router(ext));
  const int port = server.bind(o.listen);
  server.start();
  std::cerr << fmt::format("frugal extender: {} GPU node(s), {} GPUs, policy {}, {} mode; serving http://{}:{} (filter, prioritize, bind)\n",
                           cluster.nodes.size(), cluster.gpu_capacity_milli() / sched::kMilliPerGpu, o.policy,
                           o.feasible ? "feasible" : "choose", http::parse_listen(o.listen).first, port);
  std::atomic<bool>& stop = stop_on_signals();
  const double resync = parse_duration(o.resync, "--resync");
  const double until = o.duration.empty() ? -1 : parse_duration(o.duration, "--duration");
  double waited = 0;
  while (!stop.load() && (until < 0 || waited < until)) {
    const double step = until < 0 ? resync : std::min(resync, until - waited);
    if (!sleep_unless_stopped(stop, step)) break;
    waited += step;
    if (api) {
      try {
        ext.rebuild(api->list_pods()["items"]);  // pods that ended free their GPUs
      } catch (const std::exception& e) {
        std::cerr << "frugal extender: resync: " << e.what() << "\n";
      }
    }
  }
  server.stop();
  std::cerr << "frugal extender: stopped\n";
}

}  // namespace

void add_extender_command(CLI::App* sched, GlobalOptions& g) {
  auto o = std::make_shared<ExtenderCmd>();
  auto* e = sched->add_subcommand("extender", "kube-scheduler extender: place GPU pods (whole, shares, MIG) with frugal's policy");
  e->add_option("--listen", o->listen, "Address (default 127.0.0.1:9403: run it next to kube-scheduler)");
  e->add_option("--policy", o->policy, "Placement policy (default frugal)")->check(CLI::IsMember(sched::policy_names()));
  e->add_option("--nodes", o->nodes, "GPU nodes from this CSV (sn,cpu_milli,memory_mib,gpu,model) instead of the API");
  e->add_option("--workload", o->workload, "Pod list CSV whose task shapes the policy learns (default: the bundled trace)");
  e->add_option("--kube-api", o->kube_api, "API server URL (default: in-cluster, the service account's token and CA)");
  e->add_option("--token-file", o->token_file, "Bearer token file for the API server");
  e->add_option("--ca-file", o->ca_file, "CA bundle for the API server's TLS");
  e->add_option("--resync", o->resync, "Rebuild GPU state from pod annotations this often (default 30s)");
  e->add_option("--seed", o->seed, "Tie-breaking seed (as `frugal simulate --seeds`)");
  e->add_flag("--feasible", o->feasible, "Pass every feasible node and rank with prioritize (default: only the policy's node)");
  e->add_flag("--cpu-pods", o->cpu_pods, "Also place and bind pods without GPUs (GPU nodes that run CPU pods too)");
  e->add_flag("--no-api", o->no_api, "Do not call the API server: bind only in frugal's state (trials, replays)");
  e->add_option("--duration", o->duration, "Stop after this long (default: until SIGINT/SIGTERM)");
  e->callback([&g, o] { run_extender(g, *o); });
}

}  // namespace frugal::cli
