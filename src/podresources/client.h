// Which pod holds which device, from the kubelet's pod resources gRPC API on its unix socket
// (/var/lib/kubelet/pod-resources/kubelet.sock). The agent uses it to name pods whose GPU
// processes it found by cgroup (a pod UID) but whose environment gives no name.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace frugal::podresources {

struct PodDevice {
  std::string ns, pod, container;
  std::string resource;   // "nvidia.com/gpu", "nvidia.com/mig-1g.10gb"
  std::string device_id;  // "GPU-<uuid>", "GPU-<uuid>::2" (a time-slicing replica), "MIG-<uuid>"
};

class Lister {
 public:
  virtual ~Lister() = default;
  // Throws Error (socket missing, deadline, status) with the reason.
  virtual std::vector<PodDevice> list() = 0;
};

// `socket`: a path; the call has a 2 s deadline.
std::unique_ptr<Lister> make_kubelet_lister(const std::string& socket);

}  // namespace frugal::podresources
