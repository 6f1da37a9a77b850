// The extender's HTTP routes on frugal's own server (src/http): POST /filter, /prioritize, /bind
// (kube-scheduler's verbs, as the KubeSchedulerConfiguration names them), GET /state and /healthz.
// kube-scheduler's extender client sends no credentials, so there is no token: listen on
// loopback (a sidecar of kube-scheduler) or restrict the port with a NetworkPolicy.
#pragma once

#include "http/router.h"
#include "k8s/extender.h"

namespace frugal::k8s {

// Bodies up to this size: ExtenderArgs with full Node objects for 5,000 nodes.
inline constexpr std::size_t kMaxExtenderBody = 64u << 20;

http::Router extender_router(Extender& ext);

}  // namespace frugal::k8s
