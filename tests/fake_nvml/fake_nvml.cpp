// A fake libnvidia-ml.so.1 built from our own sources: it exports the NVML symbols frugal resolves
// and answers from a scenario file (JSON) named by FAKE_NVML_SCENARIO, so tests run the real
// dlopen/dlsym path without a GPU. Format: README.md in this folder.
//
// Time in a scenario is counted in sampling cycles: each nvmlDeviceGetHandleByIndex_v2 call for a
// device starts that device's next cycle, and timelines ("utilization", "errors" with "from") are
// indexed by it. That keeps tests deterministic whatever the wall clock does.
#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "telemetry/nvml_abi.h"

// NVML's opaque handle type, defined here (at global scope, where nvml_abi.h declares it).
struct nvmlDevice_st {
  bool is_mig = false;
  int index = 0;          // device index, or MIG slot
  void* parent = nullptr;  // the owning Device
};

namespace {

using nlohmann::json;

struct Phase {
  long cycles = 1;  // how many cycles this phase lasts; the last phase repeats forever
  unsigned gpu = 0;
  unsigned memory = 0;
};

struct FakeError {
  std::string function;
  int code = NVML_ERROR_UNKNOWN;
  long from = 0;  // first cycle (0-based) at which the call fails
};

struct MigDev {
  nvmlDevice_st handle;
  std::string uuid, name;
  unsigned long long total = 0, used = 0;
  unsigned gpu_instance = 0;  // NVML's GPU instance id
};

struct Proc {
  unsigned pid = 0;
  std::string pid_file;  // when set, the pid is read from this file at each call (0: not running)
  unsigned long long memory = 0;
  unsigned gpu_instance = NVML_INVALID_INSTANCE_ID;
  int sm = -1;  // percent; -1: no utilization sample
};

struct Device {
  nvmlDevice_st handle;
  std::string name, uuid, pci;
  unsigned long long memory_total = 0, memory_used = 0;
  std::vector<Phase> phases;
  // When set, the utilization percent is read from this file at each call (a test flips a GPU
  // between idle and busy while the agent runs); an unreadable file reads as 0.
  std::string utilization_file;
  unsigned temperature = 0, power_mw = 0, power_limit_mw = 0, sm_mhz = 0, mem_mhz = 0;
  unsigned long long energy_mj = 0;
  bool mig = false;
  std::vector<std::unique_ptr<MigDev>> migs;
  std::vector<Proc> procs;
  std::vector<FakeError> errors;
  long cycle = -1;  // incremented by every nvmlDeviceGetHandleByIndex_v2
};

struct State {
  std::string driver = "550.54.15";
  int process_stride = 24;
  std::vector<std::unique_ptr<Device>> devices;
  int init_count = 0;
};

State* g_state = nullptr;

int code_of(const std::string& name) {
  static const std::map<std::string, int> codes = {
      {"UNINITIALIZED", 1}, {"INVALID_ARGUMENT", 2}, {"NOT_SUPPORTED", 3}, {"NO_PERMISSION", 4},
      {"NOT_FOUND", 6}, {"INSUFFICIENT_SIZE", 7}, {"DRIVER_NOT_LOADED", 9}, {"TIMEOUT", 10},
      {"GPU_IS_LOST", 15}, {"NO_DATA", 21}, {"UNKNOWN", 999}};
  auto it = codes.find(name);
  return it == codes.end() ? NVML_ERROR_UNKNOWN : it->second;
}

// The processes running now: a `pid_file` entry counts while its file names a live pid, so a
// test can start the process (a Slurm job, a child) after the scenario was written.
std::vector<Proc> live_procs(const std::vector<Proc>& procs) {
  std::vector<Proc> out;
  for (Proc p : procs) {
    if (!p.pid_file.empty()) {
      std::ifstream in(p.pid_file);
      unsigned pid = 0;
      if (!(in >> pid) || pid == 0 || ::kill(static_cast<pid_t>(pid), 0) != 0) continue;
      p.pid = pid;
    }
    out.push_back(p);
  }
  return out;
}

unsigned resolve_pid(const json& v) {
  if (v.is_string() && v == "self") return static_cast<unsigned>(getpid());
  if (v.is_string() && v == "parent") return static_cast<unsigned>(getppid());
  return v.get<unsigned>();
}

int load(const char* path, State& s) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "fake_nvml: cannot read scenario %s\n", path);
    return NVML_ERROR_UNKNOWN;
  }
  json j;
  try {
    j = json::parse(in);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake_nvml: %s: %s\n", path, e.what());
    return NVML_ERROR_UNKNOWN;
  }
  if (j.contains("init_error")) return code_of(j["init_error"].get<std::string>());
  s.driver = j.value("driver_version", s.driver);
  s.process_stride = j.value("process_struct_bytes", 24);
  int idx = 0;
  for (const auto& d : j.value("devices", json::array())) {
    auto dev = std::make_unique<Device>();
    dev->handle.index = idx;
    dev->handle.parent = dev.get();
    dev->name = d.value("name", "NVIDIA A100-SXM4-40GB");
    dev->uuid = d.value("uuid", "GPU-00000000-0000-0000-0000-00000000000" + std::to_string(idx));
    dev->pci = d.value("pci_bus_id", "00000000:" + std::to_string(10 + idx) + ":00.0");
    dev->memory_total = d.value("memory_total", 42949672960ULL);
    dev->memory_used = d.value("memory_used", 0ULL);
    const json u = d.value("utilization", json(0));
    if (u.is_number()) {
      dev->phases.push_back({1, u.get<unsigned>(), 0});
    } else {
      for (const auto& p : u) dev->phases.push_back({p.value("cycles", 1L), p.value("gpu", 0u), p.value("memory", 0u)});
    }
    dev->utilization_file = d.value("utilization_file", "");
    dev->temperature = d.value("temperature", 40u);
    dev->power_mw = d.value("power_mw", 60000u);
    dev->power_limit_mw = d.value("power_limit_mw", 400000u);
    dev->sm_mhz = d.value("sm_clock_mhz", 1410u);
    dev->mem_mhz = d.value("mem_clock_mhz", 1215u);
    dev->energy_mj = d.value("energy_mj", 0ULL);
    if (d.contains("mig")) {
      dev->mig = d["mig"].value("enabled", false);
      int slot = 0;
      for (const auto& m : d["mig"].value("instances", json::array())) {
        auto md = std::make_unique<MigDev>();
        md->handle.is_mig = true;
        md->handle.index = slot++;
        md->handle.parent = dev.get();
        md->uuid = m.value("uuid", "MIG-" + std::to_string(idx) + "-" + std::to_string(slot));
        md->name = m.value("name", dev->name + " MIG 1g.5gb");
        md->total = m.value("memory_total", 5368709120ULL);
        md->used = m.value("memory_used", 0ULL);
        md->gpu_instance = m.value("gpu_instance", static_cast<unsigned>(slot));
        dev->migs.push_back(std::move(md));
      }
    }
    for (const auto& p : d.value("processes", json::array())) {
      Proc pr;
      if (p.contains("pid_file")) {
        pr.pid_file = p["pid_file"].get<std::string>();
      } else {
        pr.pid = resolve_pid(p.at("pid"));
      }
      pr.memory = p.value("memory", 0ULL);
      pr.gpu_instance = p.value("gpu_instance", NVML_INVALID_INSTANCE_ID);
      pr.sm = p.value("sm", -1);
      dev->procs.push_back(pr);
    }
    for (const auto& e : d.value("errors", json::array())) {
      dev->errors.push_back({e.at("function").get<std::string>(), code_of(e.at("error").get<std::string>()),
                             e.value("from", 0L)});
    }
    s.devices.push_back(std::move(dev));
    ++idx;
  }
  return NVML_SUCCESS;
}

// The injected error for `fn` on this device at its current cycle, or SUCCESS.
int injected(const Device* d, const char* fn) {
  for (const auto& e : d->errors) {
    if (e.function == fn && d->cycle >= e.from) return e.code;
  }
  return NVML_SUCCESS;
}

const Phase& phase(const Device* d) {
  long c = d->cycle < 0 ? 0 : d->cycle;
  for (const auto& p : d->phases) {
    if (c < p.cycles) return p;
    c -= p.cycles;
  }
  return d->phases.back();
}

Device* dev_of(nvmlDevice_t h) { return h == nullptr ? nullptr : static_cast<Device*>(h->parent); }

int copy_string(const std::string& s, char* buf, unsigned len) {
  if (buf == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  if (s.size() + 1 > len) return NVML_ERROR_INSUFFICIENT_SIZE;
  std::memcpy(buf, s.c_str(), s.size() + 1);
  return NVML_SUCCESS;
}

#define FAKE_CHECK(h, fn)                                  \
  if (g_state == nullptr) return NVML_ERROR_UNINITIALIZED; \
  Device* d = dev_of(h);                                   \
  if (d == nullptr) return NVML_ERROR_INVALID_ARGUMENT;    \
  if (int rc = injected(d, fn); rc != NVML_SUCCESS) return rc

}  // namespace

extern "C" {

__attribute__((visibility("default"))) nvmlReturn_t nvmlInit_v2() {
  if (g_state != nullptr) {
    ++g_state->init_count;
    return NVML_SUCCESS;
  }
  const char* path = std::getenv("FAKE_NVML_SCENARIO");
  if (path == nullptr) return NVML_ERROR_DRIVER_NOT_LOADED;  // like a machine with no driver
  auto s = std::make_unique<State>();
  if (int rc = load(path, *s); rc != NVML_SUCCESS) return rc;
  s->init_count = 1;
  g_state = s.release();
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlShutdown() {
  if (g_state == nullptr) return NVML_ERROR_UNINITIALIZED;
  if (--g_state->init_count == 0) {
    delete g_state;
    g_state = nullptr;
  }
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlSystemGetDriverVersion(char* buf, unsigned len) {
  if (g_state == nullptr) return NVML_ERROR_UNINITIALIZED;
  return copy_string(g_state->driver, buf, len);
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetCount_v2(unsigned* n) {
  if (g_state == nullptr) return NVML_ERROR_UNINITIALIZED;
  *n = static_cast<unsigned>(g_state->devices.size());
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned i, nvmlDevice_t* h) {
  if (g_state == nullptr) return NVML_ERROR_UNINITIALIZED;
  if (i >= g_state->devices.size()) return NVML_ERROR_INVALID_ARGUMENT;
  Device* d = g_state->devices[i].get();
  ++d->cycle;
  if (int rc = injected(d, "nvmlDeviceGetHandleByIndex_v2"); rc != NVML_SUCCESS) return rc;
  *h = &d->handle;
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t h, char* buf, unsigned len) {
  FAKE_CHECK(h, "nvmlDeviceGetName");
  if (h->is_mig) return copy_string(d->migs[h->index]->name, buf, len);
  return copy_string(d->name, buf, len);
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t h, char* buf, unsigned len) {
  FAKE_CHECK(h, "nvmlDeviceGetUUID");
  if (h->is_mig) return copy_string(d->migs[h->index]->uuid, buf, len);
  return copy_string(d->uuid, buf, len);
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t h, nvmlPciInfo_t* p) {
  FAKE_CHECK(h, "nvmlDeviceGetPciInfo_v3");
  std::memset(p, 0, sizeof *p);
  std::snprintf(p->busId, sizeof p->busId, "%s", d->pci.c_str());
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t h, nvmlUtilization_t* u) {
  FAKE_CHECK(h, "nvmlDeviceGetUtilizationRates");
  if (d->mig) return NVML_ERROR_NOT_SUPPORTED;  // as on real MIG-enabled GPUs
  u->gpu = phase(d).gpu;
  u->memory = phase(d).memory;
  if (!d->utilization_file.empty()) {
    unsigned pct = 0;
    if (FILE* f = std::fopen(d->utilization_file.c_str(), "r")) {
      if (std::fscanf(f, "%u", &pct) != 1) pct = 0;
      std::fclose(f);
    }
    u->gpu = pct > 100 ? 100 : pct;
  }
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t h, nvmlMemory_t* m) {
  FAKE_CHECK(h, "nvmlDeviceGetMemoryInfo");
  if (h->is_mig) {
    const MigDev& md = *d->migs[h->index];
    *m = {md.total, md.total - md.used, md.used};
  } else {
    *m = {d->memory_total, d->memory_total - d->memory_used, d->memory_used};
  }
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t h, unsigned sensor, unsigned* t) {
  FAKE_CHECK(h, "nvmlDeviceGetTemperature");
  if (sensor != NVML_TEMPERATURE_GPU) return NVML_ERROR_INVALID_ARGUMENT;
  *t = d->temperature;
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t h, unsigned* mw) {
  FAKE_CHECK(h, "nvmlDeviceGetPowerUsage");
  *mw = d->power_mw;
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t h, unsigned* mw) {
  FAKE_CHECK(h, "nvmlDeviceGetEnforcedPowerLimit");
  *mw = d->power_limit_mw;
  return NVML_SUCCESS;
}

// Energy grows by the scenario's power for one second per cycle.
__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t h, unsigned long long* mj) {
  FAKE_CHECK(h, "nvmlDeviceGetTotalEnergyConsumption");
  *mj = d->energy_mj + static_cast<unsigned long long>(d->cycle < 0 ? 0 : d->cycle) * d->power_mw;
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t h, unsigned type, unsigned* mhz) {
  FAKE_CHECK(h, "nvmlDeviceGetClockInfo");
  if (type == NVML_CLOCK_SM || type == NVML_CLOCK_GRAPHICS) {
    *mhz = d->sm_mhz;
  } else if (type == NVML_CLOCK_MEM) {
    *mhz = d->mem_mhz;
  } else {
    return NVML_ERROR_NOT_SUPPORTED;
  }
  return NVML_SUCCESS;
}

// Writes entries of the scenario's stride (24, or 32 to play an R535 driver) whatever the caller
// expects: the caller must cope, as with the real drivers.
__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t h, unsigned* count, void* infos) {
  FAKE_CHECK(h, "nvmlDeviceGetComputeRunningProcesses_v3");
  const std::vector<Proc> procs = live_procs(d->procs);
  const auto n = static_cast<unsigned>(procs.size());
  if (infos == nullptr || *count < n) {
    const bool enough = *count >= n;
    *count = n;
    return enough ? NVML_SUCCESS : NVML_ERROR_INSUFFICIENT_SIZE;
  }
  auto* out = static_cast<unsigned char*>(infos);
  for (unsigned i = 0; i < n; ++i) {
    nvmlProcessInfoR535_t e{};
    e.pid = procs[i].pid;
    e.usedGpuMemory = procs[i].memory;
    e.gpuInstanceId = procs[i].gpu_instance;
    e.computeInstanceId = procs[i].gpu_instance == NVML_INVALID_INSTANCE_ID ? NVML_INVALID_INSTANCE_ID : 0;
    std::memcpy(out + static_cast<std::size_t>(i) * g_state->process_stride, &e, g_state->process_stride);
  }
  *count = n;
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t h, nvmlProcessUtilizationSample_t* s, unsigned* count, unsigned long long /*since*/) {
  FAKE_CHECK(h, "nvmlDeviceGetProcessUtilization");
  if (d->mig) return NVML_ERROR_NOT_SUPPORTED;
  std::vector<nvmlProcessUtilizationSample_t> have;
  for (const auto& p : live_procs(d->procs)) {
    if (p.sm >= 0) have.push_back({p.pid, static_cast<unsigned long long>(d->cycle) * 1000000ULL, static_cast<unsigned>(p.sm), 0, 0, 0});
  }
  if (have.empty()) return NVML_ERROR_NOT_FOUND;
  if (s == nullptr || *count < have.size()) {
    *count = static_cast<unsigned>(have.size());
    return NVML_ERROR_INSUFFICIENT_SIZE;
  }
  std::memcpy(s, have.data(), have.size() * sizeof(have[0]));
  *count = static_cast<unsigned>(have.size());
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t h, unsigned* current, unsigned* pending) {
  FAKE_CHECK(h, "nvmlDeviceGetMigMode");
  *current = *pending = d->mig ? NVML_DEVICE_MIG_ENABLE : NVML_DEVICE_MIG_DISABLE;
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t h, unsigned* n) {
  FAKE_CHECK(h, "nvmlDeviceGetMaxMigDeviceCount");
  *n = d->mig ? 7 : 0;
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t h, unsigned i, nvmlDevice_t* out) {
  FAKE_CHECK(h, "nvmlDeviceGetMigDeviceHandleByIndex");
  if (i >= d->migs.size()) return NVML_ERROR_NOT_FOUND;
  *out = &d->migs[i]->handle;
  return NVML_SUCCESS;
}

__attribute__((visibility("default"))) nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t h, unsigned* id) {
  if (h == nullptr || id == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  if (!h->is_mig) return NVML_ERROR_NOT_SUPPORTED;
  auto* parent = static_cast<Device*>(h->parent);
  *id = parent->migs[static_cast<std::size_t>(h->index)]->gpu_instance;
  return NVML_SUCCESS;
}

}  // extern "C"
