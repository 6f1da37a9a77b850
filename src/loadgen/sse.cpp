#include "loadgen/sse.h"

namespace frugal::loadgen {

bool SseParser::feed(std::string_view bytes, std::vector<std::string>& events) {
  for (const char c : bytes) {
    if (after_cr_ && c == '\n') {  // the \n of a \r\n pair ends nothing new
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c != '\n' && c != '\r') {
      if (line_.size() >= max_line) return false;
      line_ += c;
      continue;
    }
    // A whole line.
    if (line_.empty()) {  // blank line: dispatch
      if (have_data_) events.push_back(std::move(data_));
      data_.clear();
      have_data_ = false;
      continue;
    }
    if (line_.front() != ':') {
      const auto colon = line_.find(':');
      std::string_view field(line_), value;
      if (colon != std::string::npos) {
        field = std::string_view(line_).substr(0, colon);
        value = std::string_view(line_).substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      }
      if (field == "data") {
        if (have_data_) data_ += '\n';
        data_.append(value);
        have_data_ = true;
        if (data_.size() > max_line) return false;
      }
    }
    line_.clear();
  }
  return true;
}

}  // namespace frugal::loadgen
