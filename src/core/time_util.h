// UTC time formatting shared by the AWS layer and reports.
#pragma once

#include <ctime>
#include <string>

namespace frugal {

// strftime of `t` in UTC, e.g. format_utc(t, "%Y-%m-%dT%H:%M:%SZ").
std::string format_utc(std::time_t t, const char* format);

// Seconds since the epoch, with sub-second precision (the system clock).
double now_epoch_seconds();

}  // namespace frugal
