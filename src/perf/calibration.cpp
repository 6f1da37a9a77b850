#include "perf/calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/data_dir.h"
#include "core/error.h"

namespace frugal {

std::string calibration_path(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 64 && name.front() != '.' &&
                  std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; });
  if (!ok) throw Error(fmt::format("--calibration '{}': a name of 1-64 letters, digits, '.', '_' or '-'", name));
  return user_data_dir() + "/calibrations/" + name + ".toml";
}

std::string efficiency_path(const std::string& data_dir, const std::string& calibration) {
  if (calibration.empty()) return data_dir + "/perf/efficiency.toml";
  const std::string path = calibration_path(calibration);
  if (!std::filesystem::exists(path)) {
    throw Error(fmt::format("--calibration {}: no such calibration ({} does not exist); make it with "
                            "`frugal perf calibrate MEASURED.csv --calibration {}`",
                            calibration, path, calibration));
  }
  return path;
}

}  // namespace frugal
