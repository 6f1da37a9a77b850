// The seam between frugal and Slurm's client commands (squeue, scontrol, sacct, sbatch): argv in,
// exit status and output back. ProcessRunner runs them for real (fork + execvp, no shell, so job
// names and commands are never reparsed); tests run a real Slurm on loopback through it.
#pragma once

#include <string>
#include <vector>

namespace frugal::slurm {

struct CommandResult {
  int status = -1;  // exit status; -1 when the program could not be started
  std::string out, err;
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  virtual CommandResult run(const std::vector<std::string>& argv) = 0;
};

class ProcessRunner final : public CommandRunner {
 public:
  CommandResult run(const std::vector<std::string>& argv) override;
};

}  // namespace frugal::slurm
