// `frugal submit --backend slurm`: the job handed to Slurm's sbatch, an off-peak window expressed
// in Slurm's own terms (--begin at the window's next start, --time ending with the window).
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "schedd/timing.h"

namespace frugal::slurm {

struct SbatchRequest {
  std::vector<std::string> command;  // run through `--wrap`, each word shell-quoted
  std::string name;
  double gpus = 0;           // >= 1: whole GPUs (--gres=gpu:N); below 1: shards of one GPU
  int shards_per_gpu = 0;    // the cluster's shard count per GPU, for fractional requests
  std::optional<schedd::Window> window;
  std::string partition, account, output;
};

struct SbatchPlan {
  std::vector<std::string> argv;  // sbatch --parsable ...
  std::string begin;              // "2026-12-04T02:00:00" or "now"
  int time_limit_min = 0;         // 0: none set
};

// `now`: the current time (local-time windows). Throws Error for fractional GPUs without a shard
// count, non-integral whole GPUs, or an empty command.
SbatchPlan plan_sbatch(const SbatchRequest& r, std::time_t now);

// POSIX shell quoting: 'it'\''s'.
std::string shell_quote(const std::string& s);

}  // namespace frugal::slurm
