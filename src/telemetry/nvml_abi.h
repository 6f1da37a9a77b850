// The slice of NVML's C ABI frugal uses, declared from NVIDIA's published nvml.h (see
// ../../docs/telemetry.md for the source). frugal never includes nvml.h or links libnvidia-ml:
// the real library is dlopen'ed at run time, and tests/fake_nvml implements these same symbols.
// Layouts here must match the driver's; only append, never reorder.
#pragma once

#include <cstdint>

extern "C" {

typedef int nvmlReturn_t;  // NOLINT: C ABI name
typedef struct nvmlDevice_st* nvmlDevice_t;

enum : int {
  NVML_SUCCESS = 0,
  NVML_ERROR_UNINITIALIZED = 1,
  NVML_ERROR_INVALID_ARGUMENT = 2,
  NVML_ERROR_NOT_SUPPORTED = 3,
  NVML_ERROR_NO_PERMISSION = 4,
  NVML_ERROR_NOT_FOUND = 6,
  NVML_ERROR_INSUFFICIENT_SIZE = 7,
  NVML_ERROR_DRIVER_NOT_LOADED = 9,
  NVML_ERROR_TIMEOUT = 10,
  NVML_ERROR_LIBRARY_NOT_FOUND = 12,
  NVML_ERROR_FUNCTION_NOT_FOUND = 13,
  NVML_ERROR_GPU_IS_LOST = 15,
  NVML_ERROR_NO_DATA = 21,
  NVML_ERROR_UNKNOWN = 999,
};

enum : unsigned { NVML_TEMPERATURE_GPU = 0 };
enum : unsigned { NVML_CLOCK_GRAPHICS = 0, NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2 };
enum : unsigned { NVML_DEVICE_MIG_DISABLE = 0, NVML_DEVICE_MIG_ENABLE = 1 };

// Buffer sizes of the v2 string getters.
constexpr unsigned NVML_DEVICE_NAME_V2_BUFFER_SIZE = 96;
constexpr unsigned NVML_DEVICE_UUID_V2_BUFFER_SIZE = 96;
constexpr unsigned NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE = 80;
// GI/CI ids reported for a process that does not run in a MIG instance.
constexpr unsigned NVML_INVALID_INSTANCE_ID = 0xFFFFFFFFu;

struct nvmlUtilization_t {
  unsigned gpu;     // percent of the sample period a kernel was running
  unsigned memory;  // percent of the period device memory was read or written
};

struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

struct nvmlPciInfo_t {  // the _v3 layout
  char busIdLegacy[16];
  unsigned domain;
  unsigned bus;
  unsigned device;
  unsigned pciDeviceId;
  unsigned pciSubSystemId;
  char busId[32];
};

// nvmlDeviceGetComputeRunningProcesses_v3 fills an array of these: 24 bytes on LP64.
struct nvmlProcessInfo_t {
  unsigned pid;
  unsigned long long usedGpuMemory;
  unsigned gpuInstanceId;
  unsigned computeInstanceId;
};

// The R535 (CUDA 12.2) drivers briefly wrote this 32-byte layout through the same _v3 symbol.
// frugal detects which one the driver used (nvml.cpp) instead of trusting sizeof().
struct nvmlProcessInfoR535_t {
  unsigned pid;
  unsigned long long usedGpuMemory;
  unsigned gpuInstanceId;
  unsigned computeInstanceId;
  unsigned long long usedGpuCcProtectedMemory;
};

struct nvmlProcessUtilizationSample_t {
  unsigned pid;
  unsigned long long timeStamp;  // microseconds
  unsigned smUtil;
  unsigned memUtil;
  unsigned encUtil;
  unsigned decUtil;
};

}  // extern "C"

static_assert(sizeof(nvmlProcessInfo_t) == 24, "NVML process info must be 24 bytes");
static_assert(sizeof(nvmlProcessInfoR535_t) == 32, "R535 process info must be 32 bytes");
