// Reading a whole file: the one helper the modules share (config, /proc entries, tokens).
#pragma once

#include <optional>
#include <string>

namespace frugal {

// The file's bytes, or nullopt when it cannot be opened (missing, no permission, a vanished
// /proc entry). Binary-safe: /proc/PID/environ holds NULs.
std::optional<std::string> read_file(const std::string& path);

}  // namespace frugal
