// "Did you mean" suggestions for names a user typed: models, regions, subcommands, flags.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace frugal {

// Levenshtein distance (insertions, deletions, substitutions), case-insensitive.
int edit_distance(std::string_view a, std::string_view b);

// The candidates closest to `typed`: within max(2, |typed| / 4) edits, or that contain it (or it
// contains them) once case and separators are ignored. Best first, at most `limit`.
std::vector<std::string> closest(std::string_view typed, const std::vector<std::string>& candidates, std::size_t limit = 3);

// "; did you mean 'a' or 'b'?" for appending to an error message, or "" when nothing is close.
std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates);

}  // namespace frugal
