// Streaming readers for cloud bills: FOCUS 1.0-1.2 CSV, AWS CUR legacy CSV ("lineItem/..."
// headers), its Athena snake_case variant, and CUR 2.0 CSV; each of them as Parquet too. The format is detected from the
// header. Memory stays flat: rows are parsed one at a time and handed to a callback.
#pragma once

#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "billing/line_item.h"

namespace frugal::billing {

struct ReadOptions {
  std::optional<Format> force;  // --format; else detected from the header
  bool skip_bad_rows = false;   // count and skip rows that fail to parse instead of stopping
  // Tag whose value goes to LineItem::tag ("team"): CUR resourceTags/user:team, Athena
  // resource_tags_user_team, CUR 2.0 resource_tags {"user_team": ...}, FOCUS Tags {"team": ...}.
  std::string tag_key;
};

struct ReadStats {
  Format format = Format::kFocus;
  long long rows = 0, bad_rows = 0;
  long long split_rows = 0;  // split cost allocation rows (pods), not summed: their parent line is
  std::string first_bad;  // the first skipped row's error
};

using LineSink = std::function<void(const LineItem&)>;

// Reads CSV text from `in`; `name` is used in errors ("FILE:LINE:COL: expected ...").
ReadStats read_bill(std::istream& in, const std::string& name, const LineSink& sink, const ReadOptions& opt = {});
// Opens a file (gzip-compressed or not, detected by content) and reads it.
ReadStats read_bill_file(const std::string& path, const LineSink& sink, const ReadOptions& opt = {});

// Reads one file on up to sinks.size() threads. An uncompressed file is mapped and split into
// chunks at record boundaries (quote-aware: the parity of the quotes before each split point is
// counted first), and chunk i goes to sinks[i] on its own thread, so each sink must only be used
// by its chunk. Files under 4 MB are one chunk; gzip input is streamed on one thread into
// sinks[0]. Pages already read are released as the chunks advance, so memory stays flat. Errors are those of read_bill_file, naming the same line a one-thread read would.
// `path` "-" is standard input; it, a pipe or a device is read into memory first (named
// kStdinName, or its path, in errors).
ReadStats read_bill_file_chunked(const std::string& path, const std::vector<LineSink>& sinks, const ReadOptions& opt = {});
inline constexpr const char* kStdinName = "<stdin>";

// Reads a Parquet export (CUR 2.0, FOCUS, legacy CUR with Athena columns): only the columns the
// format's rows need, row groups spread over sinks.size() threads (sink i on thread i). Errors
// name the file, row group, column and row. read_bill_file and read_bill_file_chunked call it for
// files that start with Parquet's magic.
ReadStats read_bill_parquet(const std::string& path, const std::vector<LineSink>& sinks, const ReadOptions& opt = {});

Format detect_format(const std::vector<std::string>& header, const std::string& name);

}  // namespace frugal::billing
