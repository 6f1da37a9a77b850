// Which workload a GPU process belongs to: a Slurm job, a Kubernetes pod, a container, a systemd
// unit, or else its user. Read from /proc/PID/cgroup (v1 and v2 layouts, the cgroupfs and systemd
// drivers) and, where the cgroup path does not say (Slurm's proctrack/linuxproc, fields no cgroup
// carries such as the Slurm account), from /proc/PID/environ. Pure parsing plus one reader; the
// proc root is a parameter so tests point it at a tree they built.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace frugal::telemetry {

enum class WorkloadKind { kSlurmJob, kPod, kContainer, kUnit, kUser };

// "slurm", "pod", "container", "unit", "user": the kind label and the first part of the id.
const char* kind_name(WorkloadKind k);

struct Workload {
  WorkloadKind kind = WorkloadKind::kUser;
  std::string user;  // the process owner (or SLURM_JOB_USER for a Slurm job)
  // Slurm
  std::string job, account, partition;
  // Kubernetes: namespace and pod when known (environment, or the kubelet later); the pod UID
  // from the cgroup path always.
  std::string namespace_, pod, pod_uid, container_id;
  std::string unit;  // systemd unit, e.g. "train.service"

  // A stable key, unique across kinds: "slurm/1234", "pod/ns/name" (or "pod/<uid>" while the
  // name is unknown), "container/<12 hex>", "unit/train.service", "user/alice".
  std::string id() const;
  // Prometheus labels for this workload: kind, workload (= id()), and the non-empty fields among
  // user, job, account, partition, namespace, pod, unit. Bounded: one set per workload, never per
  // process.
  std::vector<std::pair<std::string, std::string>> labels() const;
};

// What a cgroup file alone says (`text`: the contents of /proc/PID/cgroup). Unknown layouts
// leave `kind` at kUser.
Workload workload_from_cgroup(std::string_view text);

// Fills what the environment adds (`environ`: NUL-separated NAME=VALUE, as /proc/PID/environ):
// SLURM_JOB_ID / SLURM_JOB_USER / SLURM_JOB_ACCOUNT / SLURM_JOB_PARTITION make it a Slurm job;
// POD_NAME / POD_NAMESPACE (the downward-API convention) name a pod; inside a pod without those,
// HOSTNAME is the pod's name (the kubelet's default).
void add_environment(Workload& w, std::string_view environ);

// Both readers for `pid` under `proc_root`, with `user` as the owner. Unreadable files (another
// user's environ without CAP_SYS_PTRACE, a vanished pid) leave what they would have added empty.
Workload resolve_workload(unsigned pid, const std::string& user, const std::string& proc_root = "/proc");

}  // namespace frugal::telemetry
