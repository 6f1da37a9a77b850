#include "telemetry/pod_names.h"

#include <set>

namespace frugal::telemetry {

int name_pods(Snapshot& snap, const std::vector<DeviceHolder>& holders) {
  int named = 0;
  for (auto& g : snap.gpus) {
    for (auto& p : g.processes) {
      Workload& w = p.workload;
      if (w.kind != WorkloadKind::kPod || (!w.pod.empty() && !w.namespace_.empty())) continue;
      // The device ids that mean this process's GPU: its MIG instance's, or the GPU's.
      std::set<std::string> ids;
      if (p.gpu_instance) {
        for (const auto& m : g.mig_instances) {
          if (m.gpu_instance == p.gpu_instance && !m.uuid.empty()) ids.insert(m.uuid);
        }
      }
      if (ids.empty() && !g.uuid.empty()) ids.insert(g.uuid);
      std::set<std::pair<std::string, std::string>> pods;
      for (const auto& h : holders) {
        const std::string base = h.device_id.substr(0, h.device_id.find("::"));
        if (ids.contains(base) && (w.pod.empty() || h.pod == w.pod)) pods.insert({h.ns, h.pod});
      }
      if (pods.size() != 1) continue;
      w.namespace_ = pods.begin()->first;
      w.pod = pods.begin()->second;
      ++named;
    }
  }
  return named;
}

}  // namespace frugal::telemetry
