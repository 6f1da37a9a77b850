// Progress of a long computation (simulation seeds, calibration, cross-validation folds, bill
// rows), reported to whatever display the caller owns; the library never prints it.
#pragma once

#include <functional>
#include <string>

namespace frugal {

// (done, total, what is happening). `total` 0: not known in advance. May be called from worker
// threads and often: a display must be thread-safe and cheap (rate-limit what it draws).
using ProgressFn = std::function<void(double done, double total, const std::string& what)>;

}  // namespace frugal
