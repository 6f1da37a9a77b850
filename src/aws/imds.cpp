#include "aws/imds.h"

#include <fmt/format.h>

namespace frugal::aws {

std::unique_ptr<HttpTransport> make_imds_transport() {
  HttpOptions o;
  o.connect_timeout_ms = 300;
  o.timeout_ms = 1000;
  return make_curl_transport(o);
}

ImdsResult imds_get(HttpTransport& http, const Environment& env, const std::string& what) {
  ImdsResult r;
  if (auto d = env.get("AWS_EC2_METADATA_DISABLED"); d && (*d == "true" || *d == "1")) {
    r.why = "AWS_EC2_METADATA_DISABLED is set";
    return r;
  }
  std::string endpoint = env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  HttpRequest tok;
  tok.method = "PUT";
  tok.path = "/latest/api/token";
  tok.set_header("X-aws-ec2-metadata-token-ttl-seconds", "60");
  const HttpResponse t = http.send(endpoint, tok);
  if (t.status != 200) {
    r.why = t.status == 0 ? fmt::format("no answer from instance metadata at {} (not on EC2?)", endpoint)
                          : fmt::format("instance metadata token request got HTTP {}", t.status);
    return r;
  }
  HttpRequest get;
  get.path = "/latest/meta-data/" + what;
  get.set_header("X-aws-ec2-metadata-token", t.body);
  const HttpResponse ty = http.send(endpoint, get);
  if (ty.status != 200 || ty.body.empty()) {
    r.why = fmt::format("instance metadata {} request got HTTP {}", what, ty.status);
    return r;
  }
  r.instance_type = ty.body;
  return r;
}

ImdsResult imds_instance_type(HttpTransport& http, const Environment& env) {
  return imds_get(http, env, "instance-type");
}

ImdsResult imds_region(HttpTransport& http, const Environment& env) {
  return imds_get(http, env, "placement/region");
}

}  // namespace frugal::aws
