#include "slurm/gres.h"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <sstream>

#include "core/error.h"

namespace frugal::slurm {

std::string gpu_type(const std::string& nvml_name) {
  std::string s;
  for (char c : nvml_name) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* prefix : {"nvidia ", "tesla "}) {
    if (s.rfind(prefix, 0) == 0) s = s.substr(std::string(prefix).size());
  }
  const auto end = s.find_first_of(" -");
  s = s.substr(0, end);
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') out += c;
  }
  return out.empty() ? "gpu" : out;
}

namespace {

// "gpu0/gi1/access 21" -> minors[{0, "gi1"}] = 21; "gpu0/gi1/ci0/access 22" -> [{0, "gi1/ci0"}].
std::map<std::pair<unsigned, std::string>, int> parse_mig_minors(const std::string& text) {
  std::map<std::pair<unsigned, std::string>, int> out;
  std::istringstream in(text);
  std::string path;
  int minor = 0;
  while (in >> path >> minor) {
    if (path.rfind("gpu", 0) != 0) continue;
    const auto slash = path.find('/');
    const auto access = path.rfind("/access");
    if (slash == std::string::npos || access == std::string::npos || access <= slash) continue;
    const std::string digits = path.substr(3, slash - 3);
    if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const unsigned gpu = static_cast<unsigned>(std::stoul(digits));
    out[{gpu, path.substr(slash + 1, access - slash - 1)}] = minor;
  }
  return out;
}

// "NVIDIA A100-SXM4-40GB MIG 3g.20gb" -> "3g.20gb".
std::string mig_profile(const std::string& name) {
  const auto at = name.rfind(' ');
  return at == std::string::npos ? name : name.substr(at + 1);
}

}  // namespace

GresPlan plan_gres(const telemetry::Snapshot& inv, const GresOptions& o) {
  if (o.shards_per_gpu < 0 || o.mps_per_gpu < 0) throw Error("--shards and --mps: expected counts of 0 or more");
  if (o.shards_per_gpu > 0 && o.mps_per_gpu > 0) {
    throw Error("--shards and --mps: choose one; a GPU is shared through Slurm's shards or through MPS, not both");
  }
  if (inv.gpus.empty()) throw Error("no GPUs: NVML reports none on this machine");
  if (o.node_name.empty()) throw Error("--node-name: empty");
  GresPlan p;
  const auto minors = parse_mig_minors(o.mig_minors);
  std::map<std::string, int> counts;  // "gpu:h100" -> n, in the order Slurm prints them
  std::vector<std::string> order;
  auto count = [&](const std::string& key, int n) {
    if (!counts.contains(key)) order.push_back(key);
    counts[key] += n;
  };
  bool autodetect = false;
  int shared = 0, shards = 0, mps = 0;
  std::string lines;
  for (const auto& g : inv.gpus) {
    if (g.lost) {
      p.notes.push_back(fmt::format("GPU {} is lost (NVML GPU_IS_LOST): left out", g.index));
      continue;
    }
    const std::string type = o.type.empty() ? gpu_type(g.name) : o.type;
    const std::string dev = fmt::format("{}/nvidia{}", o.device_dir, g.index);
    if (g.mig_enabled.value_or(false)) {
      if (g.mig_instances.empty()) {
        p.notes.push_back(fmt::format("GPU {} has MIG enabled and no instances: nothing to schedule on it", g.index));
        continue;
      }
      for (const auto& m : g.mig_instances) {
        const std::string mtype = type + "_" + mig_profile(m.name);
        count("gpu:" + mtype, 1);
        const std::string gi = m.gpu_instance ? fmt::format("gi{}", *m.gpu_instance) : "";
        const auto a = minors.find({g.index, gi});
        const auto c = minors.find({g.index, gi + "/ci0"});
        if (gi.empty() || a == minors.end() || c == minors.end()) {
          autodetect = true;
          continue;
        }
        // A MIG instance's job needs the parent GPU and the instance's and its compute
        // instance's capability devices (Slurm's MultipleFiles).
        lines += fmt::format("NodeName={} Name=gpu Type={} MultipleFiles={},{}/nvidia-caps/nvidia-cap{},{}/nvidia-caps/nvidia-cap{}\n",
                             o.node_name, mtype, dev, o.device_dir, a->second, o.device_dir, c->second);
      }
      continue;
    }
    count("gpu:" + type, 1);
    lines += fmt::format("NodeName={} Name=gpu Type={} File={}\n", o.node_name, type, dev);
    if (o.shards_per_gpu > 0) {
      lines += fmt::format("NodeName={} Name=shard Count={} File={}\n", o.node_name, o.shards_per_gpu, dev);
      shards += o.shards_per_gpu;
      ++shared;
    }
    if (o.mps_per_gpu > 0) {
      lines += fmt::format("NodeName={} Name=mps Count={} File={}\n", o.node_name, o.mps_per_gpu, dev);
      mps += o.mps_per_gpu;
      ++shared;
    }
  }
  if (order.empty()) throw Error("no schedulable GPUs (all lost, or MIG without instances)");
  p.gres_types = "gpu";
  for (const auto& key : order) p.node_gres += (p.node_gres.empty() ? "" : ",") + fmt::format("{}:{}", key, counts[key]);
  if (shards > 0) {
    p.node_gres += fmt::format(",shard:{}", shards);
    p.gres_types += ",shard";
  }
  if (mps > 0) {
    p.node_gres += fmt::format(",mps:{}", mps);
    p.gres_types += ",mps";
  }
  std::string head = fmt::format("# frugal slurm gres: {} GPU(s) on {} (NVML driver {})\n", inv.gpus.size(), o.node_name,
                                 inv.driver_version.empty() ? "?" : inv.driver_version);
  if (autodetect) {
    head += fmt::format("NodeName={} AutoDetect=nvml\n", o.node_name);
    p.notes.push_back(
        "MIG instances without capability-device minors (/proc/driver/nvidia-caps/mig-minors): their files are left to "
        "AutoDetect=nvml (a Slurm built with NVML)");
  }
  p.gres_conf = head + lines;
  if (shared > 0) {
    p.notes.push_back(o.shards_per_gpu > 0
                          ? fmt::format("{} shards per GPU: `sbatch --gres=shard:N` takes N/{} of one GPU", o.shards_per_gpu,
                                        o.shards_per_gpu)
                          : fmt::format("mps:{} per GPU: `sbatch --gres=mps:N` takes N/{} of one GPU's SMs (MPS must run)",
                                        o.mps_per_gpu, o.mps_per_gpu));
  }
  return p;
}

}  // namespace frugal::slurm
