// The kube-scheduler extender's latency at 1,000 GPU nodes: filter + prioritize for one pod, over
// loopback HTTP with a keep-alive client (as kube-scheduler's Go client holds its connection),
// ExtenderArgs carrying the 1,000 node names (nodeCacheCapable). Nodes are the first 1,000 of the
// Alibaba cluster; pods are the default trace's, shuffled, bound as they go, until 80% of the GPU
// capacity is requested (a busy cluster: the policy searches among partly filled nodes).
// Prints p50/p90/p99 of filter, prioritize and both together.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/stats.h"
#include "http/server.h"
#include "k8s/extender.h"
#include "k8s/routes.h"
#include "sim/simulator.h"
#include "sim/trace.h"

using namespace frugal;
using nlohmann::json;

int main(int argc, char** argv) {
  const std::string dir = FRUGAL_BENCH_DATA_DIR;
  const std::string policy = argc > 1 ? argv[1] : "frugal";
  sched::Cluster all = sim::load_nodes(sim::nodes_path(dir));
  const auto trace = sim::load_tasks(sim::trace_path(dir, "default"), all);
  sched::Cluster cluster = all;
  cluster.nodes.resize(1000);
  std::vector<sched::Task> shapes;
  for (const auto& t : trace) shapes.push_back(t.task);
  k8s::Extender ext(cluster, shapes, {.policy = policy, .seed = 1}, nullptr);
  http::Server server(k8s::extender_router(ext));
  const int port = server.bind("127.0.0.1:0");
  server.start();
  httplib::Client cli("127.0.0.1", port);
  cli.set_keep_alive(true);
  cli.set_tcp_nodelay(true);
  json names = json::array();
  for (const auto& n : cluster.nodes) names.push_back(n.name);
  const auto tasks = sim::inflate(trace, cluster.gpu_capacity_milli(), 0.8, 7);
  std::vector<double> f_ms, p_ms, both_ms;
  int i = 0;
  for (const auto& t : tasks) {
    if (t.num_gpu == 0) continue;
    json ann = {{"frugal.dev/gpu", t.is_sharing() ? std::to_string(t.gpu_milli / 1000.0) : std::to_string(t.num_gpu)}};
    const json pod = {{"metadata", {{"name", "p" + std::to_string(i)}, {"namespace", "bench"}, {"uid", "u" + std::to_string(i)},
                                    {"annotations", ann}}},
                      {"spec", {{"containers", json::array({{{"resources", {{"requests", {{"cpu", std::to_string(t.cpu) + "m"},
                                                                                             {"memory", std::to_string(t.mem) + "Mi"}}}}}}})}}}};
    const std::string args = json{{"Pod", pod}, {"NodeNames", names}}.dump();
    const auto t0 = std::chrono::steady_clock::now();
    auto f = cli.Post("/filter", args, "application/json");
    const auto t1 = std::chrono::steady_clock::now();
    auto p = cli.Post("/prioritize", args, "application/json");
    const auto t2 = std::chrono::steady_clock::now();
    if (!f || !p || f->status != 200 || p->status != 200) {
      std::fprintf(stderr, "request failed\n");
      return 1;
    }
    f_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    p_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    both_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
    const json chosen = json::parse(f->body)["NodeNames"];
    if (!chosen.empty()) {
      const json b = {{"PodName", "p" + std::to_string(i)}, {"PodNamespace", "bench"}, {"PodUID", "u" + std::to_string(i)},
                      {"Node", chosen[0]}};
      cli.Post("/bind", b.dump(), "application/json");
    }
    ++i;
  }
  server.stop();
  auto pct = [](std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
  };
  std::printf("frugal sched extender, %s policy, 1000 GPU nodes (%lld GPUs), %d GPU pods to 80%% of capacity, loopback HTTP:\n",
              policy.c_str(), static_cast<long long>(cluster.gpu_capacity_milli() / 1000), i);
  for (auto [name, v] : {std::pair{"filter", &f_ms}, std::pair{"prioritize", &p_ms}, std::pair{"filter+prioritize", &both_ms}}) {
    std::printf("  %-18s p50 %.3f ms  p90 %.3f ms  p99 %.3f ms\n", name, pct(*v, 0.5), pct(*v, 0.9), pct(*v, 0.99));
  }
  std::printf("  GPU allocated: %.1f%% of capacity\n",
              100.0 * static_cast<double>(ext.allocated_milli()) / static_cast<double>(ext.capacity_milli()));
  return 0;
}
