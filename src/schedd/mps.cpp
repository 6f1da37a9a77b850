#include "schedd/mps.h"

#include <fmt/format.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

namespace frugal::schedd {

bool NvidiaMpsControl::start() {
  const int rc = std::system(fmt::format("{} -d >/dev/null 2>&1", binary_).c_str());
  if (rc != 0) {
    error_ = fmt::format("{} -d failed (exit {}): GPU shares run without MPS limits", binary_, WEXITSTATUS(rc));
    std::fprintf(stderr, "frugal sched: %s\n", error_.c_str());
    return false;
  }
  return true;
}

void NvidiaMpsControl::stop() {
  if (FILE* p = ::popen(fmt::format("{} >/dev/null 2>&1", binary_).c_str(), "w")) {
    std::fputs("quit\n", p);
    ::pclose(p);
  }
}

}  // namespace frugal::schedd
