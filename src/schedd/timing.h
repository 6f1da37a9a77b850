// When jobs may run: daily windows ("02:00-06:00", local time, may wrap midnight) and 5-field cron
// schedules ("0 * * * *": minute hour day-of-month month day-of-week, with *, lists, ranges and
// steps; day-of-month and day-of-week OR-ed when both are restricted, as Vixie cron does).
#pragma once

#include <bitset>
#include <ctime>
#include <string>

namespace frugal::schedd {

struct Window {
  int start_min = 0, end_min = 0;  // minutes after local midnight; end < start wraps midnight
  bool contains(int minute_of_day) const;
};
// Throws Error "window: expected HH:MM-HH:MM, got '...'".
Window parse_window(const std::string& text);
int local_minute_of_day(std::time_t t);

class Cron {
 public:
  // Throws Error naming the field ("cron: minute: expected 0-59, got '61'").
  static Cron parse(const std::string& text);
  // The first firing strictly after `t` (local time, whole minutes); -1 if none within 5 years.
  std::time_t next_after(std::time_t t) const;

 private:
  std::bitset<60> minute_;
  std::bitset<24> hour_;
  std::bitset<32> dom_;
  std::bitset<13> month_;
  std::bitset<7> dow_;
  bool dom_any_ = true, dow_any_ = true;
};

}  // namespace frugal::schedd
