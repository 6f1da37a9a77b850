#include "aws/environment.h"
#include "core/files.h"

#include <fmt/format.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace frugal::aws {

std::optional<std::string> SystemEnvironment::get(const std::string& name) const {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

std::optional<std::string> SystemEnvironment::read_file(const std::string& path) const { return frugal::read_file(path); }

std::string SystemEnvironment::run(const std::string& command) const {
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) throw Error(fmt::format("credential_process: cannot start '{}'", command));
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  if (status != 0) {
    throw Error(fmt::format("credential_process: '{}' exited with status {}", command,
                            WIFEXITED(status) ? WEXITSTATUS(status) : status));
  }
  return out;
}

}  // namespace frugal::aws
