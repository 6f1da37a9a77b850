#include "sim/trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "core/csv.h"
#include "core/error.h"

namespace frugal::sim {

sched::Cluster load_nodes(const std::string& path) {
  auto t = CsvTable::load(path);
  t.require_columns({"sn", "cpu_milli", "memory_mib", "gpu", "model"});
  sched::Cluster c;
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto r = t.row(i);
    sched::Node n;
    n.name = r.get("sn");
    n.cpu_total = n.cpu_left = static_cast<std::int64_t>(r.number("cpu_milli"));
    n.mem_total = n.mem_left = static_cast<std::int64_t>(r.number("memory_mib"));
    const double g = r.number("gpu");
    if (g < 0 || g > 16 || g != std::floor(g)) fail_at(r.where("gpu"), "expected a GPU count from 0 to 16");
    n.gpu_left.assign(static_cast<std::size_t>(g), sched::kMilliPerGpu);
    n.model = c.model_index(r.get("model"));
    if (n.cpu_total <= 0) fail_at(r.where("cpu_milli"), "expected a positive CPU capacity");
    c.nodes.push_back(std::move(n));
  }
  if (c.nodes.empty()) fail_at({path, 1, 1}, "expected at least one node");
  if (c.gpu_capacity_milli() == 0) fail_at({path, 1, 1}, "expected at least one node with GPUs");
  return c;
}

std::vector<TraceTask> load_tasks(const std::string& path, sched::Cluster& c) {
  auto t = CsvTable::load(path);
  t.require_columns({"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"});
  const bool spec = t.has_column("gpu_spec");
  const bool times = t.has_column("creation_time") && t.has_column("deletion_time");
  std::vector<TraceTask> out;
  out.reserve(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto r = t.row(i);
    TraceTask tt;
    tt.name = r.get("name");
    auto& k = tt.task;
    k.cpu = static_cast<std::int64_t>(r.number("cpu_milli"));
    k.mem = static_cast<std::int64_t>(r.number("memory_mib"));
    k.num_gpu = static_cast<int>(r.number("num_gpu"));
    k.gpu_milli = static_cast<int>(r.number("gpu_milli"));
    if (k.cpu < 0 || k.mem < 0) fail_at(r.where("cpu_milli"), "expected non-negative CPU and memory");
    if (k.num_gpu < 0 || k.num_gpu > 16) fail_at(r.where("num_gpu"), "expected num_gpu from 0 to 16");
    if (k.gpu_milli < 0 || k.gpu_milli > sched::kMilliPerGpu) fail_at(r.where("gpu_milli"), "expected gpu_milli from 0 to 1000");
    if (k.num_gpu > 1 && k.gpu_milli != sched::kMilliPerGpu) {
      fail_at(r.where("gpu_milli"), "a task with several GPUs must take whole GPUs (gpu_milli 1000)");
    }
    if (k.num_gpu == 0) k.gpu_milli = 0;
    if (k.num_gpu > 0 && k.gpu_milli == 0) fail_at(r.where("gpu_milli"), "expected gpu_milli > 0 for a GPU task");
    if (spec && !r.empty("gpu_spec") && k.num_gpu > 0) {
      std::stringstream ss(r.get("gpu_spec"));
      std::string m;
      while (std::getline(ss, m, '|')) {
        if (!m.empty()) k.models.push_back(c.model_index(m));
      }
      std::sort(k.models.begin(), k.models.end());
    }
    if (times) {
      tt.creation = r.optional_number("creation_time").value_or(-1);
      tt.deletion = r.optional_number("deletion_time").value_or(-1);
    }
    out.push_back(std::move(tt));
  }
  return out;
}

std::string nodes_path(const std::string& data_dir) {
  return data_dir + "/sched/alibaba-gpu-v2023/openb_node_list_gpu_node.csv";
}

std::string trace_path(const std::string& data_dir, const std::string& variant) {
  if (variant.find('/') != std::string::npos || variant.find(".csv") != std::string::npos) return variant;
  const std::string p = data_dir + "/sched/alibaba-gpu-v2023/openb_pod_list_" + variant + ".csv";
  if (!std::filesystem::exists(p)) {
    throw Error(fmt::format("--trace: no trace variant '{}' (see frugal simulate --list)", variant));
  }
  return p;
}

std::vector<std::string> trace_variants(const std::string& data_dir) {
  std::vector<std::string> out;
  const std::string prefix = "openb_pod_list_";
  for (const auto& e : std::filesystem::directory_iterator(data_dir + "/sched/alibaba-gpu-v2023")) {
    const std::string f = e.path().filename().string();
    if (f.rfind(prefix, 0) == 0 && e.path().extension() == ".csv") {
      out.push_back(f.substr(prefix.size(), f.size() - prefix.size() - 4));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace frugal::sim
