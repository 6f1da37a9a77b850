#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace frugal::cli {

TerminalProgress::TerminalProgress(std::string label)
    : label_(std::move(label)), enabled_(::isatty(STDERR_FILENO) != 0 && std::getenv("FRUGAL_NO_PROGRESS") == nullptr) {}

TerminalProgress::~TerminalProgress() {
  if (drawn_) std::cerr << "\r\033[K" << std::flush;
}

void TerminalProgress::update(double done, double total, const std::string& what) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  const bool finished = total > 0 && done >= total;
  if (drawn_ && !finished && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  std::string line = total > 0 ? fmt::format("{}: {:.0f}/{:.0f} ({:.0f}%)", label_, done, total, 100.0 * done / total)
                               : fmt::format("{}: {:.0f}", label_, done);
  if (!what.empty()) line += "  " + what;
  if (line.size() > 100) line.resize(100);
  std::cerr << "\r\033[K" << line << std::flush;
  drawn_ = true;
}

ProgressFn TerminalProgress::fn() {
  return [this](double done, double total, const std::string& what) { update(done, total, what); };
}

}  // namespace frugal::cli
