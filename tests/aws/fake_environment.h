// Test doubles at the AWS layer's Environment seam: variables and files from maps, helper
// processes answered from a table; and a config with dummy credentials for a local endpoint.
#pragma once

#include <fmt/format.h>

#include <map>
#include <string>

#include "aws/config.h"
#include "aws/environment.h"
#include "core/error.h"

class FakeEnvironment : public frugal::aws::Environment {
 public:
  std::map<std::string, std::string> vars, files, outputs;
  std::optional<std::string> get(const std::string& name) const override {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> read_file(const std::string& path) const override {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
  std::string run(const std::string& command) const override {
    auto it = outputs.find(command);
    if (it == outputs.end()) throw frugal::Error(fmt::format("credential_process: '{}' exited with status 127", command));
    return it->second;
  }
};

// Dummy credentials (access key "testing", or `key_id`), us-east-1, every call to `url`.
inline frugal::aws::AwsConfig test_config(const std::string& url, const std::string& key_id = "testing") {
  static FakeEnvironment env;  // AwsConfig keeps a pointer to its environment
  env.vars = {{"AWS_ACCESS_KEY_ID", key_id}, {"AWS_SECRET_ACCESS_KEY", "testing"}, {"AWS_REGION", "us-east-1"}};
  return frugal::aws::resolve_config({"", "", url}, env);
}
