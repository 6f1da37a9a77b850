// The pod resources client against the test's own gRPC server on a unix socket, speaking the
// kubelet's v1 proto (a time-slicing replica, a MIG slice, a CPU-only container); then the agent's
// pod naming from what it lists.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "podresources/api.grpc.pb.h"
#include "podresources/client.h"
#include "telemetry/pod_names.h"

using namespace frugal;

namespace {

class FakeKubelet final : public v1::PodResourcesLister::Service {
 public:
  grpc::Status List(grpc::ServerContext*, const v1::ListPodResourcesRequest*, v1::ListPodResourcesResponse* res) override {
    auto add = [&](const char* ns, const char* pod, const char* container, const char* resource, std::vector<std::string> ids) {
      auto* p = res->add_pod_resources();
      p->set_namespace_(ns);
      p->set_name(pod);
      auto* c = p->add_containers();
      c->set_name(container);
      if (resource) {
        auto* d = c->add_devices();
        d->set_resource_name(resource);
        for (const auto& id : ids) d->add_device_ids(id);
      }
    };
    add("ml", "trainer-0", "main", "nvidia.com/gpu", {"GPU-aaaa"});
    add("ml", "serve-a", "vllm", "nvidia.com/gpu", {"GPU-bbbb::0"});
    add("ml", "serve-b", "vllm", "nvidia.com/gpu", {"GPU-bbbb::1"});
    add("nb", "notebook", "jupyter", "nvidia.com/mig-1g.10gb", {"MIG-cccc"});
    add("web", "frontend", "nginx", nullptr, {});
    ++calls;
    return grpc::Status::OK;
  }
  int calls = 0;
};

telemetry::GpuProcess pod_process(unsigned pid, std::optional<unsigned> gi = std::nullopt) {
  telemetry::GpuProcess p;
  p.pid = pid;
  p.workload.kind = telemetry::WorkloadKind::kPod;
  p.workload.pod_uid = "uid-" + std::to_string(pid);
  p.gpu_instance = gi;
  return p;
}

}  // namespace

TEST(PodResources, ListsDevicesFromAKubeletSocketAndNamesPods) {
  const std::string sock = (std::filesystem::temp_directory_path() / ("frugal_kubelet_" + std::to_string(getpid()) + ".sock")).string();
  std::filesystem::remove(sock);
  FakeKubelet kubelet;
  grpc::ServerBuilder b;
  b.AddListeningPort("unix://" + sock, grpc::InsecureServerCredentials());
  b.RegisterService(&kubelet);
  auto server = b.BuildAndStart();
  ASSERT_TRUE(server);
  auto lister = podresources::make_kubelet_lister(sock);
  const auto devices = lister->list();
  ASSERT_EQ(devices.size(), 4u);  // the CPU-only container holds no device
  EXPECT_EQ(devices[1].pod, "serve-a");
  EXPECT_EQ(devices[1].device_id, "GPU-bbbb::0");
  EXPECT_EQ(devices[3].resource, "nvidia.com/mig-1g.10gb");

  telemetry::Snapshot snap;
  telemetry::GpuSample a, bb, c;
  a.uuid = "GPU-aaaa";
  a.processes = {pod_process(1)};
  bb.uuid = "GPU-bbbb";  // time-sliced between two pods: the API cannot say whose process it is
  bb.processes = {pod_process(2)};
  c.uuid = "GPU-cccc-parent";
  c.mig_instances.push_back({"MIG-cccc", "NVIDIA A100 MIG 1g.10gb", 1u, std::nullopt, std::nullopt});
  c.processes = {pod_process(3, 1u)};
  snap.gpus = {a, bb, c};
  std::vector<telemetry::DeviceHolder> holders;
  for (const auto& d : devices) holders.push_back({d.ns, d.pod, d.container, d.device_id});
  EXPECT_EQ(telemetry::name_pods(snap, holders), 2);
  EXPECT_EQ(snap.gpus[0].processes[0].workload.id(), "pod/ml/trainer-0");
  EXPECT_EQ(snap.gpus[1].processes[0].workload.id(), "pod/uid-2");
  EXPECT_EQ(snap.gpus[2].processes[0].workload.id(), "pod/nb/notebook");
  // A pod named by HOSTNAME only gets its namespace where one holder has that name.
  snap.gpus[1].processes[0].workload.pod = "serve-b";
  EXPECT_EQ(telemetry::name_pods(snap, holders), 1);
  EXPECT_EQ(snap.gpus[1].processes[0].workload.id(), "pod/ml/serve-b");

  server->Shutdown();
  EXPECT_THROW(lister->list(), Error);  // nobody on the socket: a clear error, not a hang
  std::filesystem::remove(sock);
}
