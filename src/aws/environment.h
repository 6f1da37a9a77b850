// The outside world the AWS layer reads: environment variables, files and helper processes
// (credential_process). The real implementation is the default; tests inject a fake
// (tests/aws/fake_environment.h).
#pragma once

#include <optional>
#include <string>

namespace frugal::aws {

class Environment {
 public:
  virtual ~Environment() = default;
  virtual std::optional<std::string> get(const std::string& name) const = 0;
  virtual std::optional<std::string> read_file(const std::string& path) const = 0;
  // Runs `command` through the shell and returns its standard output; throws Error on failure.
  virtual std::string run(const std::string& command) const = 0;
};

class SystemEnvironment : public Environment {
 public:
  std::optional<std::string> get(const std::string& name) const override;
  std::optional<std::string> read_file(const std::string& path) const override;
  std::string run(const std::string& command) const override;
};


}  // namespace frugal::aws
