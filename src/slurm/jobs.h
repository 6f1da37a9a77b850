// Slurm's view of its jobs, from its own client commands through the CommandRunner seam: squeue
// for pending, running and recently ended jobs; sacct when accounting (slurmdbd) is configured,
// which also covers jobs squeue has forgotten (MinJobAge).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "slurm/command.h"

namespace frugal::slurm {

struct SlurmJob {
  std::string id, name, user, account, partition, state, nodes;
  std::string gres;   // what it asked for, e.g. "gres/shard:2" or "gres/gpu:1"
  std::string start, end;  // as Slurm prints them (local ISO time, "Unknown", "N/A")
};

struct JobListing {
  std::map<std::string, SlurmJob> jobs;  // by job id
  std::vector<std::string> notes;        // what could not be read, and why
};

// Parses `squeue --noheader --format=%i|%u|%a|%P|%T|%S|%e|%N|%b|%j` output (the name last: it
// may hold '|'). Throws Error naming the line for a malformed one.
std::vector<SlurmJob> parse_squeue(const std::string& text);
// Parses `sacct --noheader --parsable2 --format=JobID,User,Account,Partition,State,Start,End,
// NodeList,AllocTRES,JobName` output; job steps ("12.batch") are skipped.
std::vector<SlurmJob> parse_sacct(const std::string& text);

// squeue, then sacct from `since` (a Slurm time, "2026-12-01T00:00:00"); sacct's rows win where
// both know a job. A command that fails is a note, not an error, unless both fail.
JobListing list_jobs(CommandRunner& run, const std::string& since);

}  // namespace frugal::slurm
