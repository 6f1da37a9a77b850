// The AWS options every AWS-backed command takes, declared once.
#pragma once

#include <CLI/CLI.hpp>

#include "aws/config.h"

namespace frugal::cli {

inline void add_aws_options(CLI::App* cmd, aws::AwsOptions& o) {
  cmd->add_option("--profile", o.profile, "AWS profile (default: AWS_PROFILE or default)");
  cmd->add_option("--region", o.region, "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)");
  cmd->add_option("--endpoint-url", o.endpoint_url, "Send every call to this endpoint (e.g. a local emulator)");
}

}  // namespace frugal::cli
