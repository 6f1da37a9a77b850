#include "slurm/submit.h"

#include <fmt/format.h>

#include <cmath>

#include "core/error.h"

namespace frugal::slurm {

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") ==
                        std::string::npos) {
    return s;
  }
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

SbatchPlan plan_sbatch(const SbatchRequest& r, std::time_t now) {
  if (r.command.empty()) throw Error("submit: no command (put it after --)");
  SbatchPlan p;
  p.argv = {"sbatch", "--parsable"};
  if (!r.name.empty()) p.argv.push_back("--job-name=" + r.name);
  if (!r.partition.empty()) p.argv.push_back("--partition=" + r.partition);
  if (!r.account.empty()) p.argv.push_back("--account=" + r.account);
  if (!r.output.empty()) p.argv.push_back("--output=" + r.output);
  if (r.gpus >= 1) {
    if (r.gpus != std::floor(r.gpus)) throw Error(fmt::format("--gpus {}: whole GPUs on Slurm are integers (below 1 is a share)", r.gpus));
    p.argv.push_back(fmt::format("--gres=gpu:{}", static_cast<int>(r.gpus)));
  } else if (r.gpus > 0) {
    if (r.shards_per_gpu <= 0) throw Error("--gpus below 1 on Slurm needs --shards-per-gpu (the cluster's gres.conf shard count per GPU)");
    const int shards = std::max(1, static_cast<int>(std::lround(r.gpus * r.shards_per_gpu)));
    p.argv.push_back(fmt::format("--gres=shard:{}", shards));
  }
  p.begin = "now";
  if (r.window) {
    // The window's next opening (now when inside it) and the minutes from then to its close.
    const int day = 24 * 60;
    const int minute = schedd::local_minute_of_day(now);
    const int len = ((r.window->end_min - r.window->start_min) % day + day) % day;
    int start_in = 0, limit = 0;
    if (len > 0 && r.window->contains(minute)) {
      limit = ((r.window->end_min - minute) % day + day) % day;
    } else {
      start_in = ((r.window->start_min - minute) % day + day) % day;
      limit = len == 0 ? day : len;
    }
    std::time_t begin = now - (now % 60) + static_cast<std::time_t>(start_in) * 60;
    if (start_in > 0) {
      std::tm tm{};
      localtime_r(&begin, &tm);
      char buf[32];
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
      p.begin = buf;
      p.argv.push_back(std::string("--begin=") + buf);
    }
    p.time_limit_min = std::max(1, limit);
    p.argv.push_back(fmt::format("--time={}", p.time_limit_min));
  }
  std::string wrap;
  for (const auto& w : r.command) wrap += (wrap.empty() ? "" : " ") + shell_quote(w);
  p.argv.push_back("--wrap=" + wrap);
  return p;
}

}  // namespace frugal::slurm
