// Runs independent simulations on several threads.
#pragma once

#include <cstddef>
#include <functional>

namespace frugal::sim {

// Calls fn(0) .. fn(n-1), each exactly once, on up to `threads` threads (0: all cores). The first
// exception thrown by any call is rethrown here after every thread has stopped.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn);

}  // namespace frugal::sim
