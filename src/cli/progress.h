// The one progress display of the long commands (simulate, perf calibrate/validate, bill, bench):
// a line on stderr redrawn at most 10 times a second, only when stderr is a terminal; piped or
// redirected, it prints nothing. The line is cleared when the display is destroyed.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "core/progress.h"

namespace frugal::cli {

class TerminalProgress {
 public:
  explicit TerminalProgress(std::string label);
  ~TerminalProgress();
  TerminalProgress(const TerminalProgress&) = delete;
  TerminalProgress& operator=(const TerminalProgress&) = delete;

  bool enabled() const { return enabled_; }
  void update(double done, double total, const std::string& what);
  // A ProgressFn drawing here (valid while this object lives).
  ProgressFn fn();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace frugal::cli
