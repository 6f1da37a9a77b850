#include "core/data_dir.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"

namespace frugal {

std::string resolve_data_dir(const std::string& explicit_dir) {
  namespace fs = std::filesystem;
  auto usable = [](const std::string& d) { return !d.empty() && fs::is_directory(fs::path(d) / "catalog"); };
  if (!explicit_dir.empty()) {
    if (!usable(explicit_dir)) {
      throw Error(fmt::format("--data-dir {}: expected a folder containing catalog/", explicit_dir));
    }
    return explicit_dir;
  }
  if (const char* env = std::getenv("FRUGAL_DATA_DIR"); env && *env) {
    if (!usable(env)) throw Error(fmt::format("FRUGAL_DATA_DIR={}: expected a folder containing catalog/", env));
    return env;
  }
  // Installed: share/frugal/data beside the executable's bin/, whatever the prefix or DESTDIR
  // it was installed with (a .deb, `make install PREFIX=...`, an unpacked tarball).
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = exe.parent_path().parent_path() / "share" / "frugal" / "data";
    if (usable(beside.string())) return beside.string();
  }
  for (const char* d : {FRUGAL_DATA_INSTALL_DIR, FRUGAL_DATA_SOURCE_DIR}) {
    if (usable(d)) return d;
  }
  throw Error("cannot find frugal's data folder: pass --data-dir or set FRUGAL_DATA_DIR");
}

}  // namespace frugal

namespace frugal {
std::string cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/frugal";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/frugal";
  return ".frugal-cache";
}
std::string default_spot_cache() { return cache_dir() + "/spot_prices.csv"; }
std::string default_price_cache() { return cache_dir() + "/prices.csv"; }
std::string user_data_dir() {
  if (const char* f = std::getenv("FRUGAL_HOME"); f && *f) return f;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/frugal";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/frugal";
  return ".frugal";
}
}  // namespace frugal
