// Credentials, region and endpoints resolved the way the AWS CLI does it:
// - profile: --profile, else AWS_PROFILE, else "default";
// - credentials: with no explicit --profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
//   (+AWS_SESSION_TOKEN) first; then the profile in the shared credentials file
//   (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials); then the profile in the config file
//   (AWS_CONFIG_FILE or ~/.aws/config, section "[profile NAME]" or "[default]"): keys or
//   credential_process;
// - region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region;
// - endpoint per service: --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the
//   profile's endpoint_url, else the public AWS endpoint.
// Errors never contain secret values.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "aws/environment.h"
#include "aws/sigv4.h"

namespace frugal::aws {

struct AwsOptions {  // what the user passed on the command line
  std::string profile;
  std::string region;
  std::string endpoint_url;
};

struct AwsConfig {
  Credentials credentials;
  std::string profile;
  std::string region;
  std::map<std::string, std::string> profile_settings;  // the config-file profile's keys
  std::string endpoint_url_override;                     // --endpoint-url
  const Environment* env = nullptr;

  // Endpoint for a service id ("monitoring", "sns", "ce", "budgets", "s3", "ec2").
  std::string endpoint(const std::string& service) const;
};

// Parses an INI file as the AWS CLI writes them: "[section]" headers, "key = value" lines, "#"
// or ";" comments. Throws Error naming file:line on a malformed line.
std::map<std::string, std::map<std::string, std::string>> parse_ini(const std::string& text, const std::string& name);

// The region alone, without credentials (pricing needs no account): --region, AWS_REGION,
// AWS_DEFAULT_REGION, the profile's region, then `imds_region` (EC2 instance metadata) when given.
// An empty region when none of them says.
struct ResolvedRegion {
  std::string region;
  std::string from;  // "--region", "AWS_REGION", "profile default in ~/.aws/config", ...
};
ResolvedRegion resolve_region(const AwsOptions& opt, const Environment& env,
                              const std::function<std::optional<std::string>()>& imds_region = {});

// Throws Error when no credentials or no region can be found (with what was tried).
AwsConfig resolve_config(const AwsOptions& opt, const Environment& env, bool region_required = true);

}  // namespace frugal::aws
