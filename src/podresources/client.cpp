#include "podresources/client.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <chrono>

#include "core/error.h"
#include "podresources/api.grpc.pb.h"

namespace frugal::podresources {

namespace {

class KubeletLister final : public Lister {
 public:
  explicit KubeletLister(std::string socket)
      : socket_(std::move(socket)),
        stub_(v1::PodResourcesLister::NewStub(grpc::CreateChannel("unix://" + socket_, grpc::InsecureChannelCredentials()))) {}

  std::vector<PodDevice> list() override {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    v1::ListPodResourcesRequest req;
    v1::ListPodResourcesResponse res;
    const grpc::Status st = stub_->List(&ctx, req, &res);
    if (!st.ok()) throw Error(fmt::format("{}: pod resources List: {} ({})", socket_, st.error_message(), static_cast<int>(st.error_code())));
    std::vector<PodDevice> out;
    for (const auto& p : res.pod_resources()) {
      for (const auto& c : p.containers()) {
        for (const auto& d : c.devices()) {
          for (const auto& id : d.device_ids()) out.push_back({p.namespace_(), p.name(), c.name(), d.resource_name(), id});
        }
      }
    }
    return out;
  }

 private:
  std::string socket_;
  std::unique_ptr<v1::PodResourcesLister::Stub> stub_;
};

}  // namespace

std::unique_ptr<Lister> make_kubelet_lister(const std::string& socket) { return std::make_unique<KubeletLister>(socket); }

}  // namespace frugal::podresources
