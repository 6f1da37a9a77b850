#include "schedd/timing.h"

#include <fmt/format.h>

#include <cstdio>
#include <sstream>
#include <vector>

#include "core/error.h"

namespace frugal::schedd {

bool Window::contains(int m) const {
  if (start_min == end_min) return true;  // "00:00-00:00": all day
  if (start_min < end_min) return m >= start_min && m < end_min;
  return m >= start_min || m < end_min;
}

Window parse_window(const std::string& text) {
  int h1, m1, h2, m2;
  char tail;
  if (std::sscanf(text.c_str(), "%2d:%2d-%2d:%2d%c", &h1, &m1, &h2, &m2, &tail) != 4 || h1 < 0 || h1 > 24 || h2 < 0 ||
      h2 > 24 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59 || (h1 == 24 && m1) || (h2 == 24 && m2)) {
    throw Error(fmt::format("window: expected HH:MM-HH:MM (local time), got '{}'", text));
  }
  return {(h1 * 60 + m1) % 1440, (h2 * 60 + m2) % 1440};
}

int local_minute_of_day(std::time_t t) {
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm.tm_hour * 60 + tm.tm_min;
}

namespace {
template <std::size_t N>
bool parse_field(const std::string& f, int lo, int hi, std::bitset<N>& out, const char* what) {
  auto bad = [&] { throw Error(fmt::format("cron: {}: expected values {}-{}, *, lists, ranges or steps, got '{}'", what, lo, hi, f)); };
  bool any = false;
  std::stringstream ss(f);
  for (std::string part; std::getline(ss, part, ',');) {
    if (part.empty()) bad();
    int step = 1;
    const auto slash = part.find('/');
    std::string range = part.substr(0, slash);
    if (slash != std::string::npos) {
      try {
        std::size_t used = 0;
        step = std::stoi(part.substr(slash + 1), &used);
        if (used != part.size() - slash - 1 || step < 1) bad();
      } catch (const std::logic_error&) {
        bad();
      }
    }
    int a = lo, b = hi;
    if (range == "*") {
      any = slash == std::string::npos;
    } else {
      const auto dash = range.find('-');
      try {
        std::size_t used = 0;
        a = std::stoi(range.substr(0, dash), &used);
        if (used != (dash == std::string::npos ? range.size() : dash)) bad();
        b = a;
        if (dash != std::string::npos) {
          b = std::stoi(range.substr(dash + 1), &used);
          if (used != range.size() - dash - 1) bad();
        } else if (slash != std::string::npos) {
          b = hi;  // "5/15": from 5 to the end
        }
      } catch (const std::logic_error&) {
        bad();
      }
      if (a < lo || b > hi || a > b) bad();
    }
    for (int v = a; v <= b; v += step) out.set(static_cast<std::size_t>(v % static_cast<int>(N)));
  }
  return any;
}
}  // namespace

Cron Cron::parse(const std::string& text) {
  std::stringstream ss(text);
  std::vector<std::string> f;
  for (std::string s; ss >> s;) f.push_back(s);
  if (f.size() != 5) throw Error(fmt::format("cron: expected 5 fields (minute hour day-of-month month day-of-week), got '{}'", text));
  Cron c;
  parse_field(f[0], 0, 59, c.minute_, "minute");
  parse_field(f[1], 0, 23, c.hour_, "hour");
  c.dom_any_ = parse_field(f[2], 1, 31, c.dom_, "day-of-month");
  parse_field(f[3], 1, 12, c.month_, "month");
  std::bitset<8> dow;
  c.dow_any_ = parse_field(f[4], 0, 7, dow, "day-of-week");  // 7 is Sunday too
  for (int d = 0; d < 7; ++d) c.dow_[static_cast<std::size_t>(d)] = dow[static_cast<std::size_t>(d)] || (d == 0 && dow[7]);
  return c;
}

std::time_t Cron::next_after(std::time_t t) const {
  std::tm tm{};
  localtime_r(&t, &tm);
  tm.tm_sec = 0;
  ++tm.tm_min;
  tm.tm_isdst = -1;
  std::time_t cur = mktime(&tm);
  for (int i = 0; i < 5 * 366 * 24 * 60; ++i) {
    localtime_r(&cur, &tm);
    const bool dom_ok = dom_[static_cast<std::size_t>(tm.tm_mday)], dow_ok = dow_[static_cast<std::size_t>(tm.tm_wday)];
    const bool day_ok = dom_any_ || dow_any_ ? (dom_ok && dow_ok) : (dom_ok || dow_ok);
    if (!month_[static_cast<std::size_t>(tm.tm_mon + 1)] || !day_ok) {
      tm.tm_hour = 0;  // skip to the next day
      tm.tm_min = 0;
      ++tm.tm_mday;
      tm.tm_isdst = -1;
      cur = mktime(&tm);
      continue;
    }
    if (!hour_[static_cast<std::size_t>(tm.tm_hour)]) {
      tm.tm_min = 0;
      ++tm.tm_hour;
      tm.tm_isdst = -1;
      cur = mktime(&tm);
      continue;
    }
    if (minute_[static_cast<std::size_t>(tm.tm_min)]) return cur;
    cur += 60;
  }
  return -1;
}

}  // namespace frugal::schedd
