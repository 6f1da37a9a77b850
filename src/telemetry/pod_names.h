// Names for pods the agent found by cgroup only (a pod UID, no POD_NAME in the environment): the
// kubelet's pod resources API says which pod holds which GPU (device ids "GPU-<uuid>",
// "GPU-<uuid>::N" for a time-slicing replica, "MIG-<uuid>"). A GPU process in a pod is that pod's
// when exactly one pod holds its GPU (or MIG instance); under time-slicing with several holders
// the UID stays, since the API does not give UIDs. Pure: the caller fetches the holders.
#pragma once

#include <string>
#include <vector>

#include "telemetry/sample.h"

namespace frugal::telemetry {

struct DeviceHolder {
  std::string ns, pod, container, device_id;
};

// Fills Workload::pod and namespace_ where the holders decide it. Returns how many processes it named.
int name_pods(Snapshot& snap, const std::vector<DeviceHolder>& holders);

}  // namespace frugal::telemetry
