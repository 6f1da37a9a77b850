#include "k8s/pod.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "core/error.h"

namespace frugal::k8s {

double parse_quantity(const std::string& text, const std::string& what) {
  std::size_t end = 0;
  double v = 0;
  try {
    v = std::stod(text, &end);
  } catch (const std::exception&) {
    throw Error(fmt::format("{}: expected a quantity such as 500m, 2 or 4Gi, got '{}'", what, text));
  }
  const std::string suffix = text.substr(end);
  static const std::vector<std::pair<std::string, double>> units = {
      {"", 1},      {"m", 1e-3},  {"k", 1e3},   {"M", 1e6},   {"G", 1e9},   {"T", 1e12},  {"P", 1e15},
      {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0}, {"Pi", 1125899906842624.0}};
  for (const auto& [u, f] : units) {
    if (suffix == u) {
      const double q = v * f;
      if (!std::isfinite(q) || q < 0) throw Error(fmt::format("{}: expected a non-negative quantity, got '{}'", what, text));
      return q;
    }
  }
  throw Error(fmt::format("{}: unknown unit '{}' in '{}' (expected m, k, M, G, T, Ki, Mi, Gi, Ti)", what, suffix, text));
}

namespace {

std::string text_of(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return v.dump();
  return "";
}

}  // namespace

namespace {
PodRequest parse_pod_fields(const nlohmann::json& pod);
}  // namespace

PodRequest parse_pod(const nlohmann::json& pod) {
  try {
    return parse_pod_fields(pod);
  } catch (const nlohmann::json::exception& e) {
    // A field of the wrong JSON type (a number where the API has a string): the pod's fault.
    throw Error(fmt::format("pod: {}", e.what()));
  }
}

namespace {

PodRequest parse_pod_fields(const nlohmann::json& pod) {
  if (!pod.is_object()) throw Error("pod: expected a JSON object");
  PodRequest r;
  const auto& meta = pod.value("metadata", nlohmann::json::object());
  if (!meta.is_object()) throw Error("pod: metadata: expected an object");
  r.uid = meta.value("uid", "");
  r.ns = meta.value("namespace", "default");
  r.name = meta.value("name", "");
  const std::string who = fmt::format("pod {}/{}", r.ns, r.name);
  const auto annotations = meta.value("annotations", nlohmann::json::object());
  double cpu = 0, mem = 0, gpus = 0;
  const auto spec = pod.value("spec", nlohmann::json::object());
  const auto containers = spec.is_object() ? spec.value("containers", nlohmann::json::array()) : nlohmann::json::array();
  if (!containers.is_array()) throw Error(who + ": spec.containers: expected an array");
  for (const auto& c : containers) {
    if (!c.is_object()) continue;
    const auto res = c.value("resources", nlohmann::json::object());
    if (!res.is_object()) continue;
    const auto req = res.value("requests", nlohmann::json::object());
    const auto lim = res.value("limits", nlohmann::json::object());
    auto get = [&](const char* key) -> std::string {
      if (req.is_object() && req.contains(key)) return text_of(req[key]);
      if (lim.is_object() && lim.contains(key)) return text_of(lim[key]);  // limits alone imply requests
      return "";
    };
    if (auto v = get("cpu"); !v.empty()) cpu += parse_quantity(v, who + ": cpu");
    if (auto v = get("memory"); !v.empty()) mem += parse_quantity(v, who + ": memory");
    if (auto v = get("nvidia.com/gpu"); !v.empty()) gpus += parse_quantity(v, who + ": nvidia.com/gpu");
    for (const auto* m : {&req, &lim}) {
      if (!m->is_object()) continue;
      for (const auto& [k, v] : m->items()) {
        if (k.rfind("nvidia.com/mig-", 0) == 0) r.mig = k.substr(15);
      }
    }
  }
  r.task.cpu = static_cast<std::int64_t>(std::llround(cpu * 1000));
  r.task.mem = static_cast<std::int64_t>(std::llround(mem / 1048576.0));
  if (annotations.is_object() && annotations.contains("frugal.dev/gpu")) {
    gpus = parse_quantity(text_of(annotations["frugal.dev/gpu"]), who + ": frugal.dev/gpu");
  }
  if (gpus > 0 && gpus < 1) {
    r.task.num_gpu = 1;
    r.task.gpu_milli = static_cast<int>(std::lround(gpus * sched::kMilliPerGpu));
    if (r.task.gpu_milli < 1) throw Error(fmt::format("{}: frugal.dev/gpu {}: below one thousandth of a GPU", who, gpus));
  } else if (gpus >= 1) {
    if (gpus != std::floor(gpus)) throw Error(fmt::format("{}: {} GPUs: whole GPUs are integers (below 1 is a share)", who, gpus));
    if (gpus > 64) throw Error(fmt::format("{}: {} GPUs: more than a node has", who, gpus));
    r.task.num_gpu = static_cast<int>(gpus);
    r.task.gpu_milli = sched::kMilliPerGpu;
  }
  if (!r.mig.empty() && r.task.num_gpu > 0) throw Error(who + ": asks for a MIG slice and GPUs; choose one");
  if (annotations.is_object() && annotations.contains("frugal.dev/gpu-model")) {
    const std::string models = text_of(annotations["frugal.dev/gpu-model"]);
    std::size_t start = 0;
    while (start <= models.size()) {
      const auto bar = models.find('|', start);
      std::string m = models.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
      if (!m.empty()) r.models.push_back(std::move(m));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
  }
  return r;
}

}  // namespace

}  // namespace frugal::k8s
