// Locates the bundled data/ folder (catalog, models, efficiency factors, defaults).
#pragma once

#include <string>

namespace frugal {

// Order: `explicit_dir` if non-empty, then $FRUGAL_DATA_DIR, then ../share/frugal/data beside the
// executable, then the configured install folder, then the source tree's data/ (compiled in). Throws Error when none holds catalog/.
std::string resolve_data_dir(const std::string& explicit_dir);

}  // namespace frugal

namespace frugal {
// Where frugal keeps refreshed data: $XDG_CACHE_HOME/frugal or ~/.cache/frugal (not created).
std::string cache_dir();
// The spot price cache `frugal catalog refresh --spot` writes and the advisor reads.
std::string default_spot_cache();
// The live price cache `frugal catalog refresh --prices/--savings-plans` writes.
std::string default_price_cache();
// Where frugal keeps what the user added (models from `frugal catalog add-model`):
// $FRUGAL_HOME, else $XDG_DATA_HOME/frugal, else ~/.local/share/frugal (not created).
std::string user_data_dir();
}  // namespace frugal
