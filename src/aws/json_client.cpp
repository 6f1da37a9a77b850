#include "aws/json_client.h"

#include <fmt/format.h>

#include "core/error.h"

namespace frugal::aws {

nlohmann::json json_call(AwsClient& client, const std::string& target_prefix, const std::string& operation,
                         const nlohmann::json& body) {
  HttpRequest req;
  req.method = "POST";
  req.path = "/";
  req.body = body.dump();
  req.set_header("Content-Type", "application/x-amz-json-1.1");
  req.set_header("X-Amz-Target", target_prefix + "." + operation);
  auto resp = client.call(req);
  if (resp.body.empty()) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(resp.body);
  } catch (const std::exception&) {
    throw Error(fmt::format("{}: response is not JSON", operation));
  }
}

std::string account_id(const AwsConfig& cfg) {
  AwsClient sts(cfg, "sts");
  auto doc = sts.query("GetCallerIdentity", "2011-06-15", {});
  std::string id = doc.child("GetCallerIdentityResponse").child("GetCallerIdentityResult").child_value("Account");
  if (id.empty()) throw Error("sts GetCallerIdentity: no Account in the response");
  return id;
}

}  // namespace frugal::aws
