#include "slurm/jobs.h"

#include <fmt/format.h>

#include <sstream>

#include "core/error.h"

namespace frugal::slurm {

namespace {

std::vector<std::string> split_fields(const std::string& line, std::size_t n) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (out.size() + 1 < n) {
    const auto bar = line.find('|', start);
    if (bar == std::string::npos) break;
    out.push_back(line.substr(start, bar - start));
    start = bar + 1;
  }
  out.push_back(line.substr(start));
  return out;
}

std::string first_line(const std::string& s) {
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

}  // namespace

std::vector<SlurmJob> parse_squeue(const std::string& text) {
  std::vector<SlurmJob> out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    const auto f = split_fields(line, 10);
    if (f.size() != 10) throw Error(fmt::format("squeue output line {}: expected 10 '|'-separated fields, got {}: '{}'", n, f.size(), line));
    SlurmJob j{f[0], f[9], f[1], f[2], f[3], f[4], f[7], f[8], f[5], f[6]};
    if (j.gres == "N/A") j.gres.clear();
    if (j.account == "(null)") j.account.clear();  // no account given and no accounting
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<SlurmJob> parse_sacct(const std::string& text) {
  std::vector<SlurmJob> out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    const auto f = split_fields(line, 10);
    if (f.size() != 10) throw Error(fmt::format("sacct output line {}: expected 10 '|'-separated fields, got {}: '{}'", n, f.size(), line));
    if (f[0].find('.') != std::string::npos) continue;  // a step of a job listed on its own line
    SlurmJob j{f[0], f[9], f[1], f[2], f[3], f[4], f[7], "", f[5], f[6]};
    // AllocTRES "billing=1,cpu=1,gres/gpu=1,mem=100M,node=1": keep the gres parts.
    std::istringstream tres(f[8]);
    for (std::string t; std::getline(tres, t, ',');) {
      if (t.rfind("gres/", 0) == 0) j.gres += (j.gres.empty() ? "" : ",") + t;
    }
    out.push_back(std::move(j));
  }
  return out;
}

JobListing list_jobs(CommandRunner& run, const std::string& since) {
  JobListing l;
  const CommandResult q =
      run.run({"squeue", "--noheader", "--all", "--states=all", "--format=%i|%u|%a|%P|%T|%S|%e|%N|%b|%j"});
  if (q.status == 0) {
    for (auto& j : parse_squeue(q.out)) l.jobs[j.id] = std::move(j);
  } else {
    l.notes.push_back(fmt::format("squeue failed ({}): {}", q.status, first_line(q.err)));
  }
  const CommandResult a = run.run({"sacct", "--noheader", "--parsable2", "--allusers", "--allocations", "--starttime", since,
                                   "--format=JobID,User,Account,Partition,State,Start,End,NodeList,AllocTRES,JobName"});
  if (a.status == 0) {
    for (auto& j : parse_sacct(a.out)) {
      if (j.gres.empty() && l.jobs.contains(j.id)) j.gres = l.jobs[j.id].gres;
      l.jobs[j.id] = std::move(j);
    }
  } else {
    l.notes.push_back(fmt::format("sacct: no accounting ({}); jobs are squeue's (recently ended ones only)", first_line(a.err)));
  }
  if (q.status != 0 && a.status != 0) throw Error(fmt::format("cannot list Slurm jobs: {}", l.notes.front()));
  return l;
}

}  // namespace frugal::slurm
