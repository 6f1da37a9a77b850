// Named calibrations: efficiency factors fitted to a user's own measurements (`frugal perf
// calibrate FILE --calibration NAME`, typically rows `frugal bench` wrote), kept beside the
// bundled ones, never over them, and chosen by name (`advise|perf --calibration NAME`).
#pragma once

#include <string>

namespace frugal {

// user_data_dir()/calibrations/NAME.toml. Throws Error unless NAME is 1-64 of [A-Za-z0-9._-]
// (not starting with '.').
std::string calibration_path(const std::string& name);

// The factors file to load: data_dir/perf/efficiency.toml for an empty name, else the named
// calibration, which must exist (Error saying how to make it).
std::string efficiency_path(const std::string& data_dir, const std::string& calibration);

}  // namespace frugal
