#include "telemetry/workload.h"

#include "core/files.h"

#include <algorithm>
#include <cctype>

namespace frugal::telemetry {

const char* kind_name(WorkloadKind k) {
  switch (k) {
    case WorkloadKind::kSlurmJob: return "slurm";
    case WorkloadKind::kPod: return "pod";
    case WorkloadKind::kContainer: return "container";
    case WorkloadKind::kUnit: return "unit";
    case WorkloadKind::kUser: return "user";
  }
  return "user";
}

std::string Workload::id() const {
  const std::string k = kind_name(kind);
  switch (kind) {
    case WorkloadKind::kSlurmJob: return k + "/" + job;
    case WorkloadKind::kPod:
      if (!pod.empty()) return k + "/" + (namespace_.empty() ? std::string("?") : namespace_) + "/" + pod;
      return k + "/" + pod_uid;
    case WorkloadKind::kContainer: return k + "/" + container_id.substr(0, 12);
    case WorkloadKind::kUnit: return k + "/" + unit;
    case WorkloadKind::kUser: return k + "/" + (user.empty() ? std::string("?") : user);
  }
  return k;
}

std::vector<std::pair<std::string, std::string>> Workload::labels() const {
  std::vector<std::pair<std::string, std::string>> out = {{"workload", id()}, {"kind", kind_name(kind)}};
  auto add = [&out](const char* name, const std::string& v) {
    if (!v.empty()) out.emplace_back(name, v);
  };
  add("user", user);
  add("job", job);
  add("account", account);
  add("partition", partition);
  add("namespace", namespace_);
  add("pod", pod);
  add("unit", unit);
  return out;
}

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      out.push_back(s.substr(start));
      break;
    }
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }

bool all_of(std::string_view s, int (*pred)(int)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [pred](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}

// A container runtime's scope ("cri-containerd-<id>.scope", "docker-<id>.scope", "crio-<id>.scope",
// "libpod-<id>.scope") or a bare 64-hex segment (cgroupfs driver): the container id, or "".
std::string container_of(std::string_view seg) {
  if (ends_with(seg, ".scope")) {
    seg.remove_suffix(6);
    for (std::string_view p : {"cri-containerd-", "docker-", "crio-", "libpod-", "containerd-"}) {
      if (starts_with(seg, p)) {
        seg.remove_prefix(p.size());
        return all_of(seg, isxdigit) ? std::string(seg) : std::string();
      }
    }
    return {};
  }
  return seg.size() == 64 && all_of(seg, isxdigit) ? std::string(seg) : std::string();
}

// The workload one cgroup path names.
Workload from_path(std::string_view path) {
  Workload w;
  const auto segs = split(path, '/');
  bool slurm = false, kube = false, docker = false;
  for (std::string_view seg : segs) {
    if (seg.find("slurm") != std::string_view::npos) slurm = true;
    if (starts_with(seg, "kubepods")) kube = true;
    if (seg == "docker" || starts_with(seg, "docker-")) docker = true;
    if (slurm && starts_with(seg, "job_") && all_of(seg.substr(4), isdigit)) {
      w.kind = WorkloadKind::kSlurmJob;
      w.job = std::string(seg.substr(4));
      return w;  // steps and tasks below the job are the same workload
    }
    if (kube) {
      if (starts_with(seg, "pod") && seg.size() > 3) {
        w.pod_uid = std::string(seg.substr(3));  // cgroupfs driver: pod<uid>
      } else if (const auto at = seg.find("-pod"); starts_with(seg, "kubepods") && at != std::string_view::npos) {
        std::string_view uid = seg.substr(at + 4);  // systemd driver: kubepods-<qos>-pod<uid_with_underscores>.slice
        if (ends_with(uid, ".slice")) uid.remove_suffix(6);
        w.pod_uid = std::string(uid);
        std::replace(w.pod_uid.begin(), w.pod_uid.end(), '_', '-');
      }
    }
    if (std::string c = container_of(seg); !c.empty() && (kube || docker || ends_with(seg, ".scope"))) w.container_id = c;
    if (ends_with(seg, ".service") && !starts_with(seg, "user@")) w.unit = std::string(seg);
  }
  const bool user_slice = path.find("user.slice") != std::string_view::npos;
  if (!w.pod_uid.empty()) {
    w.kind = WorkloadKind::kPod;
  } else if (!w.container_id.empty()) {
    w.kind = WorkloadKind::kContainer;
  } else if (!w.unit.empty() && !user_slice) {
    w.kind = WorkloadKind::kUnit;
  } else {
    w.unit.clear();  // a user's own units and sessions are the user's
  }
  return w;
}

int rank(WorkloadKind k) {
  switch (k) {
    case WorkloadKind::kSlurmJob: return 4;
    case WorkloadKind::kPod: return 3;
    case WorkloadKind::kContainer: return 2;
    case WorkloadKind::kUnit: return 1;
    case WorkloadKind::kUser: return 0;
  }
  return 0;
}

}  // namespace

Workload workload_from_cgroup(std::string_view text) {
  Workload best;
  for (std::string_view line : split(text, '\n')) {
    // "hierarchy-ID:controller-list:cgroup-path"; v2 is the single line "0::/path".
    const auto a = line.find(':');
    if (a == std::string_view::npos) continue;
    const auto b = line.find(':', a + 1);
    if (b == std::string_view::npos) continue;
    Workload w = from_path(line.substr(b + 1));
    if (rank(w.kind) > rank(best.kind)) best = std::move(w);
  }
  return best;
}

void add_environment(Workload& w, std::string_view environ) {
  std::string job, user, account, partition, pod, ns, hostname;
  bool in_kube = false;
  for (std::string_view kv : split(environ, '\0')) {
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view k = kv.substr(0, eq);
    const std::string v(kv.substr(eq + 1));
    if (k == "SLURM_JOB_ID") job = v;
    else if (k == "SLURM_JOB_USER") user = v;
    else if (k == "SLURM_JOB_ACCOUNT") account = v;
    else if (k == "SLURM_JOB_PARTITION") partition = v;
    else if (k == "POD_NAME") pod = v;
    else if (k == "POD_NAMESPACE") ns = v;
    else if (k == "HOSTNAME") hostname = v;
    else if (k == "KUBERNETES_SERVICE_HOST") in_kube = true;
  }
  if (!job.empty() && all_of(job, isdigit) && (w.kind != WorkloadKind::kSlurmJob || w.job == job)) {
    w.kind = WorkloadKind::kSlurmJob;
    w.job = job;
    if (!user.empty()) w.user = user;
    w.account = account;
    w.partition = partition;
    return;
  }
  if (w.kind == WorkloadKind::kSlurmJob) return;
  if (pod.empty() && in_kube && w.kind == WorkloadKind::kPod) pod = hostname;
  if (!pod.empty() && (w.kind == WorkloadKind::kPod || in_kube || !ns.empty())) {
    w.kind = WorkloadKind::kPod;
    w.pod = pod;
    w.namespace_ = ns;
  }
}

Workload resolve_workload(unsigned pid, const std::string& user, const std::string& proc_root) {
  const std::string dir = proc_root + "/" + std::to_string(pid);
  Workload w = workload_from_cgroup(read_file(dir + "/cgroup").value_or(""));
  w.user = user;
  add_environment(w, read_file(dir + "/environ").value_or(""));
  return w;
}

}  // namespace frugal::telemetry
