// The daemon's decisions, one pass at a time: what became of running attempts (exit, vanish,
// grace expired), cron firings, deadlines, windows closing, and then placement of queued jobs by
// priority (with preemption of lower-priority preemptible jobs). GPU shares and whole GPUs are
// placed by the shared placement engine (src/sched, unchanged); MIG slices follow the MIG
// placement rules. Every decision is committed to the store before it is acted on.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sched/policy.h"
#include "schedd/inventory.h"
#include "schedd/launcher.h"
#include "schedd/store.h"

namespace frugal::schedd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual double now() = 0;  // seconds since the epoch
};
class SystemClock : public Clock {
 public:
  double now() override;
};

// Starts and stops nvidia-cuda-mps-control when shares run (the real one runs the binary).
class MpsControl {
 public:
  virtual ~MpsControl() = default;
  virtual bool start() = 0;  // false (and a note) when it cannot
  virtual void stop() = 0;
};

struct SchedulerOptions {
  std::string policy = "best-fit";  // any of sched::policy_names()
  MpsControl* mps = nullptr;        // null: MPS is not managed (variables are still set)
  // An attempt that vanishes (its supervisor killed, or the daemon killed between recording and
  // launching it) is requeued at most this many times, waiting crash_backoff_s, then twice that,
  // and so on up to crash_backoff_max_s; past the limit the job fails. A job that keeps
  // vanishing is broken, and requeuing it forever only burns a GPU slot in a loop.
  int max_crash_requeues = 5;
  double crash_backoff_s = 2;
  double crash_backoff_max_s = 300;
};

struct PassStats {
  int launched = 0, finished = 0, preempted = 0, fired = 0, queued = 0, running = 0;
  double seconds = 0;  // CPU-side time of the pass
};

class Scheduler {
 public:
  Scheduler(JobStore& store, Launcher& launcher, Clock& clock, Inventory inventory, SchedulerOptions opt = {});
  // One pass. Thread-safe with submit() and cancel().
  PassStats tick();
  // Validates and stores a job; returns its id. Throws Error with the reason when the request can
  // never run on this machine (more GPUs or memory than any GPU has, unknown MIG profile).
  std::int64_t submit(const JobSpec& spec);
  // Cancels a job: a queued one at once, a running one with its checkpoint signal, then SIGKILL
  // after its grace. False when it is unknown or already final.
  bool cancel(std::int64_t id);
  const Inventory& inventory() const { return inv_; }

 private:
  struct GpuUse {
    int milli = 0;            // MPS shares and whole GPUs (1000)
    std::int64_t mem_mib = 0; // pinned memory of shares
    unsigned mig_slices = 0;  // bit per memory slice of 8
  };
  struct Slot {
    std::vector<int> gpus;
    std::vector<std::string> devices;
    std::map<std::string, std::string> env;
  };
  std::string admit(const JobSpec& s) const;
  bool place(const Job& j, const std::vector<GpuUse>& use, Slot& out);
  void occupy(const Job& j, std::vector<GpuUse>& use, int sign) const;
  void begin_stop(Job& j, const std::string& reason, const std::string& then, double now);
  std::int64_t share_memory(const JobSpec& s, const Gpu& g) const;

  std::mutex mu_;
  JobStore& store_;
  Launcher& launcher_;
  Clock& clock_;
  Inventory inv_;
  SchedulerOptions opt_;
  std::unique_ptr<sched::Policy> policy_;
  sched::Rng rng_{42};
  bool mps_running_ = false;
};

}  // namespace frugal::schedd
