#include "telemetry/nvml.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <cstring>
#include <map>
#include <vector>

#include "telemetry/nvml_abi.h"
#include "telemetry/proc_info.h"

namespace frugal::telemetry {

const char* nvml_error_name(int code) {
  switch (code) {
    case 0: return "SUCCESS";
    case 1: return "UNINITIALIZED";
    case 2: return "INVALID_ARGUMENT";
    case 3: return "NOT_SUPPORTED";
    case 4: return "NO_PERMISSION";
    case 5: return "ALREADY_INITIALIZED";
    case 6: return "NOT_FOUND";
    case 7: return "INSUFFICIENT_SIZE";
    case 8: return "INSUFFICIENT_POWER";
    case 9: return "DRIVER_NOT_LOADED";
    case 10: return "TIMEOUT";
    case 11: return "IRQ_ISSUE";
    case 12: return "LIBRARY_NOT_FOUND";
    case 13: return "FUNCTION_NOT_FOUND";
    case 14: return "CORRUPTED_INFOROM";
    case 15: return "GPU_IS_LOST";
    case 16: return "RESET_REQUIRED";
    case 17: return "OPERATING_SYSTEM";
    case 18: return "LIB_RM_VERSION_MISMATCH";
    case 19: return "IN_USE";
    case 20: return "MEMORY";
    case 21: return "NO_DATA";
    default: return "UNKNOWN";
  }
}

// The dlopen'ed library and every symbol frugal calls. Required symbols missing -> open() fails;
// optional ones missing -> that field is simply not reported.
class NvmlLibrary {
 public:
  void* handle = nullptr;
  std::string path;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  nvmlReturn_t (*get_count)(unsigned*) = nullptr;
  nvmlReturn_t (*get_handle)(unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*driver_version)(char*, unsigned) = nullptr;
  nvmlReturn_t (*name)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*uuid)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*pci)(nvmlDevice_t, nvmlPciInfo_t*) = nullptr;
  nvmlReturn_t (*utilization)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  nvmlReturn_t (*memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*temperature)(nvmlDevice_t, unsigned, unsigned*) = nullptr;
  nvmlReturn_t (*power)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*power_limit)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*energy)(nvmlDevice_t, unsigned long long*) = nullptr;
  nvmlReturn_t (*clock)(nvmlDevice_t, unsigned, unsigned*) = nullptr;
  nvmlReturn_t (*processes)(nvmlDevice_t, unsigned*, void*) = nullptr;
  nvmlReturn_t (*process_util)(nvmlDevice_t, nvmlProcessUtilizationSample_t*, unsigned*,
                               unsigned long long) = nullptr;
  nvmlReturn_t (*mig_mode)(nvmlDevice_t, unsigned*, unsigned*) = nullptr;
  nvmlReturn_t (*mig_max)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*mig_handle)(nvmlDevice_t, unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*gpu_instance_id)(nvmlDevice_t, unsigned*) = nullptr;

  ~NvmlLibrary() {
    if (handle != nullptr) dlclose(handle);
  }

  // Resolves the first of `names` the library exports.
  template <typename Fn>
  void resolve(Fn& fn, std::initializer_list<const char*> names) {
    for (const char* n : names) {
      if (void* p = dlsym(handle, n)) {
        fn = reinterpret_cast<Fn>(p);
        return;
      }
    }
  }
};

std::unique_ptr<NvmlSource> NvmlSource::open(std::string* why, const std::string& library) {
  auto lib = std::make_unique<NvmlLibrary>();
  std::vector<std::string> names;
  if (!library.empty()) {
    names.push_back(library);
  } else {
    names = {"libnvidia-ml.so.1", "libnvidia-ml.so"};
  }
  std::string first_error;
  for (const auto& n : names) {
    lib->handle = dlopen(n.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib->handle != nullptr) {
      lib->path = n;
      break;
    }
    if (first_error.empty()) first_error = dlerror();
  }
  if (lib->handle == nullptr) {
    *why = fmt::format("NVML not found: {} (is the NVIDIA driver installed?)", first_error);
    return nullptr;
  }
  // Versioned names first (nvml.h #defines the plain names to these), plain names for old drivers.
  lib->resolve(lib->init, {"nvmlInit_v2", "nvmlInit"});
  lib->resolve(lib->shutdown, {"nvmlShutdown"});
  lib->resolve(lib->get_count, {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"});
  lib->resolve(lib->get_handle, {"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"});
  if (!lib->init || !lib->shutdown || !lib->get_count || !lib->get_handle) {
    *why = fmt::format("NVML in {} lacks nvmlInit/nvmlDeviceGetCount/nvmlDeviceGetHandleByIndex", lib->path);
    return nullptr;
  }
  lib->resolve(lib->driver_version, {"nvmlSystemGetDriverVersion"});
  lib->resolve(lib->name, {"nvmlDeviceGetName"});
  lib->resolve(lib->uuid, {"nvmlDeviceGetUUID"});
  lib->resolve(lib->pci, {"nvmlDeviceGetPciInfo_v3"});
  lib->resolve(lib->utilization, {"nvmlDeviceGetUtilizationRates"});
  lib->resolve(lib->memory, {"nvmlDeviceGetMemoryInfo"});
  lib->resolve(lib->temperature, {"nvmlDeviceGetTemperature"});
  lib->resolve(lib->power, {"nvmlDeviceGetPowerUsage"});
  lib->resolve(lib->power_limit, {"nvmlDeviceGetEnforcedPowerLimit"});
  lib->resolve(lib->energy, {"nvmlDeviceGetTotalEnergyConsumption"});
  lib->resolve(lib->clock, {"nvmlDeviceGetClockInfo"});
  // _v3 and _v2 take the same 24-byte entries (except R535's _v3, detected in sample()).
  lib->resolve(lib->processes, {"nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2"});
  lib->resolve(lib->process_util, {"nvmlDeviceGetProcessUtilization"});
  lib->resolve(lib->mig_mode, {"nvmlDeviceGetMigMode"});
  lib->resolve(lib->mig_max, {"nvmlDeviceGetMaxMigDeviceCount"});
  lib->resolve(lib->mig_handle, {"nvmlDeviceGetMigDeviceHandleByIndex"});
  lib->resolve(lib->gpu_instance_id, {"nvmlDeviceGetGpuInstanceId"});

  const nvmlReturn_t rc = lib->init();
  if (rc != NVML_SUCCESS) {
    *why = fmt::format("NVML init failed: {} (is the NVIDIA kernel driver loaded?)", nvml_error_name(rc));
    return nullptr;
  }
  auto src = std::unique_ptr<NvmlSource>(new NvmlSource(std::move(lib)));
  if (src->lib_->driver_version) {
    char buf[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE] = {};
    if (src->lib_->driver_version(buf, sizeof buf) == NVML_SUCCESS) src->driver_version_ = buf;
  }
  return src;
}

NvmlSource::NvmlSource(std::unique_ptr<NvmlLibrary> lib) : lib_(std::move(lib)) {}

NvmlSource::~NvmlSource() { lib_->shutdown(); }

int NvmlSource::device_count() const {
  unsigned n = 0;
  return lib_->get_count(&n) == NVML_SUCCESS ? static_cast<int>(n) : 0;
}

std::string NvmlSource::describe() const {
  unsigned n = 0;
  lib_->get_count(&n);
  return fmt::format("NVML driver {} ({}), {} GPU{}", driver_version_.empty() ? "?" : driver_version_, lib_->path, n,
                     n == 1 ? "" : "s");
}

namespace {

// Per-call bookkeeping for one device: NOT_SUPPORTED is silent, GPU_IS_LOST marks the device,
// anything else is recorded as an error of this cycle.
struct Call {
  Snapshot& snap;
  GpuSample& gpu;
  bool ok(nvmlReturn_t rc, const char* fn) {
    if (rc == NVML_SUCCESS) return true;
    if (rc == NVML_ERROR_GPU_IS_LOST) gpu.lost = true;
    if (rc != NVML_ERROR_NOT_SUPPORTED) snap.errors.push_back(fmt::format("{}: {}", fn, nvml_error_name(rc)));
    return false;
  }
};

bool plausible(const nvmlProcessInfo_t& p, std::optional<std::uint64_t> total) {
  auto id_ok = [](unsigned id) { return id == NVML_INVALID_INSTANCE_ID || id < 64; };
  if (p.pid == 0 || !id_ok(p.gpuInstanceId) || !id_ok(p.computeInstanceId)) return false;
  return !total || p.usedGpuMemory <= *total || p.usedGpuMemory == ~0ULL;
}

// Reads entry i of a buffer filled with `stride`-byte entries; the first 24 bytes of both layouts
// agree, so one memcpy of the common prefix serves both.
nvmlProcessInfo_t entry(const std::vector<unsigned char>& buf, int stride, unsigned i) {
  nvmlProcessInfo_t p{};
  std::memcpy(&p, buf.data() + static_cast<std::size_t>(i) * stride, sizeof p);
  return p;
}

}  // namespace

const ProcessOwner& NvmlSource::owner_of(unsigned pid) {
  // A cached owner stands while the pid keeps its start time: a process does not change its
  // cgroup or job environment in a way frugal attributes differently, and the agent would
  // otherwise reread five /proc files per GPU process every second.
  const std::string start = process_start_time(pid);
  seen_.insert(pid);
  auto it = owners_.find(pid);
  if (it == owners_.end() || start.empty() || it->second.start_time != start) {
    it = owners_.insert_or_assign(pid, lookup_process(pid)).first;
  }
  return it->second;
}

Snapshot NvmlSource::sample(double now) {
  // Owners of pids no longer on any GPU are dropped after each pass, so the cache stays the size
  // of the current process list.
  struct Sweep {
    NvmlSource& s;
    ~Sweep() {
      std::erase_if(s.owners_, [this](const auto& kv) { return !s.seen_.contains(kv.first); });
      s.seen_.clear();
    }
  } sweep{*this};
  Snapshot snap;
  snap.time = now;
  snap.driver_version = driver_version_;
  unsigned count = 0;
  if (nvmlReturn_t rc = lib_->get_count(&count); rc != NVML_SUCCESS) {
    snap.errors.push_back(fmt::format("nvmlDeviceGetCount_v2: {}", nvml_error_name(rc)));
    return snap;
  }
  for (unsigned i = 0; i < count; ++i) {
    GpuSample g;
    g.index = i;
    Call call{snap, g};
    nvmlDevice_t dev = nullptr;
    if (!call.ok(lib_->get_handle(i, &dev), "nvmlDeviceGetHandleByIndex_v2")) {
      snap.gpus.push_back(std::move(g));
      continue;
    }
    char text[NVML_DEVICE_NAME_V2_BUFFER_SIZE] = {};
    if (lib_->name && call.ok(lib_->name(dev, text, sizeof text), "nvmlDeviceGetName")) g.name = text;
    char id[NVML_DEVICE_UUID_V2_BUFFER_SIZE] = {};
    if (!g.lost && lib_->uuid && call.ok(lib_->uuid(dev, id, sizeof id), "nvmlDeviceGetUUID")) g.uuid = id;
    nvmlPciInfo_t pci{};
    if (!g.lost && lib_->pci && call.ok(lib_->pci(dev, &pci), "nvmlDeviceGetPciInfo_v3")) g.pci_bus_id = pci.busId;
    if (g.lost) {
      snap.gpus.push_back(std::move(g));
      continue;
    }
    nvmlUtilization_t u{};
    if (lib_->utilization && call.ok(lib_->utilization(dev, &u), "nvmlDeviceGetUtilizationRates")) {
      g.utilization = u.gpu / 100.0;
      g.memory_utilization = u.memory / 100.0;
    }
    nvmlMemory_t m{};
    if (lib_->memory && call.ok(lib_->memory(dev, &m), "nvmlDeviceGetMemoryInfo")) {
      g.memory_used_bytes = m.used;
      g.memory_total_bytes = m.total;
    }
    unsigned v = 0;
    if (lib_->temperature && call.ok(lib_->temperature(dev, NVML_TEMPERATURE_GPU, &v), "nvmlDeviceGetTemperature"))
      g.temperature_celsius = v;
    if (lib_->power && call.ok(lib_->power(dev, &v), "nvmlDeviceGetPowerUsage")) g.power_watts = v / 1000.0;
    if (lib_->power_limit && call.ok(lib_->power_limit(dev, &v), "nvmlDeviceGetEnforcedPowerLimit"))
      g.power_limit_watts = v / 1000.0;
    unsigned long long mj = 0;
    if (lib_->energy && call.ok(lib_->energy(dev, &mj), "nvmlDeviceGetTotalEnergyConsumption"))
      g.energy_joules = static_cast<double>(mj) / 1000.0;
    if (lib_->clock && call.ok(lib_->clock(dev, NVML_CLOCK_SM, &v), "nvmlDeviceGetClockInfo")) g.sm_clock_hz = v * 1e6;
    if (lib_->clock && call.ok(lib_->clock(dev, NVML_CLOCK_MEM, &v), "nvmlDeviceGetClockInfo"))
      g.memory_clock_hz = v * 1e6;

    unsigned cur = 0, pending = 0;
    if (lib_->mig_mode && call.ok(lib_->mig_mode(dev, &cur, &pending), "nvmlDeviceGetMigMode")) {
      g.mig_enabled = cur == NVML_DEVICE_MIG_ENABLE;
    }
    if (g.mig_enabled.value_or(false) && lib_->mig_max && lib_->mig_handle) {
      unsigned max = 0;
      if (call.ok(lib_->mig_max(dev, &max), "nvmlDeviceGetMaxMigDeviceCount")) {
        for (unsigned k = 0; k < max; ++k) {
          nvmlDevice_t mig = nullptr;
          const nvmlReturn_t rc = lib_->mig_handle(dev, k, &mig);
          if (rc == NVML_ERROR_NOT_FOUND) continue;  // an empty slot
          if (!call.ok(rc, "nvmlDeviceGetMigDeviceHandleByIndex")) continue;
          MigInstance mi;
          char mname[NVML_DEVICE_NAME_V2_BUFFER_SIZE] = {};
          char muuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE] = {};
          if (lib_->name && call.ok(lib_->name(mig, mname, sizeof mname), "nvmlDeviceGetName")) mi.name = mname;
          if (lib_->uuid && call.ok(lib_->uuid(mig, muuid, sizeof muuid), "nvmlDeviceGetUUID")) mi.uuid = muuid;
          nvmlMemory_t mm{};
          if (lib_->memory && call.ok(lib_->memory(mig, &mm), "nvmlDeviceGetMemoryInfo")) {
            mi.memory_used_bytes = mm.used;
            mi.memory_total_bytes = mm.total;
          }
          unsigned gi = 0;
          if (lib_->gpu_instance_id && call.ok(lib_->gpu_instance_id(mig, &gi), "nvmlDeviceGetGpuInstanceId"))
            mi.gpu_instance = gi;
          g.mig_instances.push_back(std::move(mi));
        }
      }
    }

    if (lib_->processes) {
      // Size query, then fetch with headroom for processes that start in between. The buffer is
      // sized for the larger (R535) entry so either layout fits.
      unsigned n = 0;
      nvmlReturn_t rc = lib_->processes(dev, &n, nullptr);
      if (rc == NVML_ERROR_INSUFFICIENT_SIZE) {
        for (int attempt = 0; attempt < 3 && rc == NVML_ERROR_INSUFFICIENT_SIZE; ++attempt) {
          n += 4;
          std::vector<unsigned char> buf(static_cast<std::size_t>(n) * sizeof(nvmlProcessInfoR535_t), 0);
          rc = lib_->processes(dev, &n, buf.data());
          if (rc != NVML_SUCCESS) continue;
          int stride = stride_;
          if (n >= 2) {
            // Two or more entries tell the layouts apart: read with the 24-byte stride, and if an
            // entry past the first is implausible (pid 0, wild instance ids) the driver wrote 32.
            bool fits24 = true;
            for (unsigned k = 0; k < n; ++k) fits24 = fits24 && plausible(entry(buf, 24, k), g.memory_total_bytes);
            stride = fits24 ? 24 : 32;
            stride_ = stride;
          }
          if (stride == 0) stride = 24;  // one entry: both layouts read the same
          for (unsigned k = 0; k < n; ++k) {
            const nvmlProcessInfo_t p = entry(buf, stride, k);
            GpuProcess gp;
            gp.pid = p.pid;
            if (p.usedGpuMemory != ~0ULL) gp.memory_bytes = p.usedGpuMemory;  // NVML_VALUE_NOT_AVAILABLE
            if (p.gpuInstanceId != NVML_INVALID_INSTANCE_ID) gp.gpu_instance = p.gpuInstanceId;
            g.processes.push_back(std::move(gp));
          }
        }
      }
      if (rc != NVML_SUCCESS) call.ok(rc, "nvmlDeviceGetComputeRunningProcesses_v3");
    }
    if (!g.processes.empty() && lib_->process_util) {
      // Samples newer than one minute ago; NVML keeps a short per-process ring buffer.
      const auto since = static_cast<unsigned long long>((now - 60) * 1e6);
      unsigned n = 0;
      nvmlReturn_t rc = lib_->process_util(dev, nullptr, &n, since);
      if (rc == NVML_ERROR_INSUFFICIENT_SIZE && n > 0) {
        std::vector<nvmlProcessUtilizationSample_t> s(n);
        rc = lib_->process_util(dev, s.data(), &n, since);
        if (rc == NVML_SUCCESS) {
          std::map<unsigned, nvmlProcessUtilizationSample_t> newest;
          for (unsigned k = 0; k < n; ++k) {
            auto [it, fresh] = newest.try_emplace(s[k].pid, s[k]);
            if (!fresh && s[k].timeStamp > it->second.timeStamp) it->second = s[k];
          }
          for (auto& p : g.processes) {
            if (auto it = newest.find(p.pid); it != newest.end()) p.sm_ratio = it->second.smUtil / 100.0;
          }
        }
      }
      if (rc != NVML_SUCCESS && rc != NVML_ERROR_INSUFFICIENT_SIZE && rc != NVML_ERROR_NOT_FOUND)
        call.ok(rc, "nvmlDeviceGetProcessUtilization");
    }
    for (auto& p : g.processes) {
      const ProcessOwner& o = owner_of(p.pid);
      p.user = o.user;
      p.name = o.name;
      p.command = o.command;
      p.workload = o.workload;
    }
    snap.gpus.push_back(std::move(g));
  }
  return snap;
}

}  // namespace frugal::telemetry
