// A private temporary folder (mkdtemp, mode 0700) removed with everything in it when destroyed.
#pragma once

#include <filesystem>
#include <string>

namespace frugal {

class TempDir {
 public:
  // Creates <system temp>/<prefix>XXXXXX; throws Error naming `what` when it cannot.
  TempDir(const std::string& prefix, const std::string& what);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace frugal
