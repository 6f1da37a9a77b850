// Reader for the Alibaba GPU cluster trace (cluster-trace-gpu-v2023, "openb" files): the node list
// and a pod list. Errors name file:line:column.
#pragma once

#include <string>
#include <vector>

#include "sched/cluster.h"

namespace frugal::sim {

struct TraceTask {
  sched::Task task;
  std::string name;
  double creation = -1, deletion = -1;  // seconds; -1 when the file has no times
};

// openb_node_list_gpu_node.csv: sn,cpu_milli,memory_mib,gpu,model
sched::Cluster load_nodes(const std::string& path);
// openb_pod_list_*.csv: name,cpu_milli,memory_mib,num_gpu,gpu_milli[,gpu_spec,...,creation_time,
// deletion_time,...]. GPU models in gpu_spec ("V100M16|V100M32") are mapped onto `c.models`.
std::vector<TraceTask> load_tasks(const std::string& path, sched::Cluster& c);

// The trace files bundled under data/sched/alibaba-gpu-v2023: "default", "gpushare40", ...
std::vector<std::string> trace_variants(const std::string& data_dir);
std::string trace_path(const std::string& data_dir, const std::string& variant);
std::string nodes_path(const std::string& data_dir);

}  // namespace frugal::sim
