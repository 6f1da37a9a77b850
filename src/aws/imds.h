// EC2 instance metadata (IMDSv2): the instance type the agent prices GPUs with. Off EC2 the
// link-local address does not answer; the short timeout keeps that a sub-second "unknown".
#pragma once

#include <optional>
#include <string>

#include "aws/environment.h"
#include "aws/http.h"

namespace frugal::aws {

struct ImdsResult {
  std::optional<std::string> instance_type;  // the value asked for (instance type, or region)
  std::string why;  // when empty-handed: "AWS_EC2_METADATA_DISABLED is set", "no answer from ..."
};

// PUT /latest/api/token, then GET /latest/meta-data/instance-type with the token. The endpoint is
// AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254, as in the AWS SDKs.
ImdsResult imds_instance_type(HttpTransport& http, const Environment& env);
// The same for /latest/meta-data/placement/region.
ImdsResult imds_region(HttpTransport& http, const Environment& env);
// Any /latest/meta-data/ path.
ImdsResult imds_get(HttpTransport& http, const Environment& env, const std::string& what);

// A transport with the short timeouts IMDS calls need (300 ms connect, 1 s total).
std::unique_ptr<HttpTransport> make_imds_transport();

}  // namespace frugal::aws
