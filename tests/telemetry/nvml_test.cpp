// NvmlSource against the fake libnvidia-ml: symbol resolution, every field, the R535 process
// struct stride, injected errors, MIG, and the no-driver states.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "fake_nvml_util.h"

using frugal::telemetry::NvmlSource;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string me() {
  struct passwd* pw = getpwuid(getuid());
  return pw ? pw->pw_name : std::to_string(getuid());
}

}  // namespace

TEST(Nvml, ReadsEveryFieldOfTwoGpus) {
  std::string why;
  auto src = open_fake(read(scenario_file("two_a100.json")), &why);
  ASSERT_TRUE(src) << why;
  EXPECT_EQ(src->device_count(), 2);
  EXPECT_NE(src->describe().find("550.54.15"), std::string::npos);
  const auto snap = src->sample(1000);
  EXPECT_EQ(snap.time, 1000);
  EXPECT_EQ(snap.driver_version, "550.54.15");
  EXPECT_TRUE(snap.errors.empty());
  ASSERT_EQ(snap.gpus.size(), 2u);
  const auto& g = snap.gpus[0];
  EXPECT_EQ(g.name, "NVIDIA A100-SXM4-40GB");
  EXPECT_EQ(g.uuid, "GPU-aaaaaaaa-0000-0000-0000-000000000000");
  EXPECT_EQ(g.pci_bus_id, "00000000:10:1C.0");
  EXPECT_DOUBLE_EQ(*g.utilization, 0.85);
  EXPECT_DOUBLE_EQ(*g.memory_utilization, 0.40);
  EXPECT_EQ(*g.memory_used_bytes, 10737418240u);
  EXPECT_EQ(*g.memory_total_bytes, 42949672960u);
  EXPECT_DOUBLE_EQ(*g.temperature_celsius, 61);
  EXPECT_DOUBLE_EQ(*g.power_watts, 250);
  EXPECT_DOUBLE_EQ(*g.power_limit_watts, 400);
  EXPECT_DOUBLE_EQ(*g.sm_clock_hz, 1410e6);
  EXPECT_DOUBLE_EQ(*g.memory_clock_hz, 1215e6);
  EXPECT_FALSE(*g.mig_enabled);
  ASSERT_EQ(g.processes.size(), 1u);
  EXPECT_EQ(g.processes[0].pid, static_cast<unsigned>(getpid()));
  EXPECT_EQ(g.processes[0].user, me());
  EXPECT_NE(g.processes[0].command.find("telemetry_test"), std::string::npos) << g.processes[0].command;
  EXPECT_DOUBLE_EQ(*g.processes[0].sm_ratio, 0.80);
  EXPECT_FALSE(g.processes[0].gpu_instance.has_value());
  EXPECT_DOUBLE_EQ(*snap.gpus[1].utilization, 0);
  EXPECT_TRUE(snap.gpus[1].processes.empty());
  // Energy advances by the scenario's power for one second per cycle: 250 W -> 250 J.
  const auto next = src->sample(1001);
  EXPECT_DOUBLE_EQ(*next.gpus[0].energy_joules - *g.energy_joules, 250);
}

// The R535 trap: the same _v3 symbol wrote 32-byte entries. With two processes the source must
// notice and still read both pids and memory sizes right.
class ProcessStride : public ::testing::TestWithParam<int> {};

TEST_P(ProcessStride, ReadsBothLayouts) {
  const int stride = GetParam();
  auto src = open_fake(R"({"process_struct_bytes": )" + std::to_string(stride) + R"(, "devices": [{"processes": [
      {"pid": 4242, "memory": 1073741824}, {"pid": 4343, "memory": 2147483648}, {"pid": 4444, "memory": 3221225472}]}]})");
  ASSERT_TRUE(src);
  const auto snap = src->sample(1);
  ASSERT_EQ(snap.gpus.size(), 1u);
  const auto& p = snap.gpus[0].processes;
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].pid, 4242u);
  EXPECT_EQ(p[1].pid, 4343u);
  EXPECT_EQ(p[2].pid, 4444u);
  EXPECT_EQ(*p[1].memory_bytes, 2147483648u);
  EXPECT_EQ(*p[2].memory_bytes, 3221225472u);
  EXPECT_EQ(p[0].user, "?");  // no such process here
  EXPECT_EQ(src->process_stride(), stride);
}

INSTANTIATE_TEST_SUITE_P(Nvml, ProcessStride, ::testing::Values(24, 32));

TEST(Nvml, NotSupportedIsSilentAndOtherErrorsAreListed) {
  auto src = open_fake(R"({"devices": [{"errors": [
      {"function": "nvmlDeviceGetPowerUsage", "error": "NOT_SUPPORTED"},
      {"function": "nvmlDeviceGetTemperature", "error": "NO_PERMISSION"}]}]})");
  ASSERT_TRUE(src);
  const auto snap = src->sample(1);
  EXPECT_FALSE(snap.gpus[0].power_watts.has_value());
  EXPECT_FALSE(snap.gpus[0].temperature_celsius.has_value());
  EXPECT_TRUE(snap.gpus[0].utilization.has_value());
  ASSERT_EQ(snap.errors.size(), 1u);
  EXPECT_EQ(snap.errors[0], "nvmlDeviceGetTemperature: NO_PERMISSION");
}

TEST(Nvml, LostGpuIsMarkedFromTheCycleItFellOff) {
  auto src = open_fake(R"({"devices": [{}, {"errors": [{"function": "nvmlDeviceGetUtilizationRates", "error": "GPU_IS_LOST", "from": 2}]}]})");
  ASSERT_TRUE(src);
  EXPECT_FALSE(src->sample(1).gpus[1].lost);
  EXPECT_FALSE(src->sample(2).gpus[1].lost);
  const auto third = src->sample(3);
  EXPECT_FALSE(third.gpus[0].lost);
  EXPECT_TRUE(third.gpus[1].lost);
  EXPECT_FALSE(third.gpus[1].utilization.has_value());
  ASSERT_FALSE(third.errors.empty());
  EXPECT_EQ(third.errors[0], "nvmlDeviceGetUtilizationRates: GPU_IS_LOST");
}

TEST(Nvml, MigInstancesAndNoUtilization) {
  auto src = open_fake(R"({"devices": [{"name": "NVIDIA A100-SXM4-40GB", "mig": {"enabled": true, "instances": [
      {"uuid": "MIG-11111111-2222-3333-4444-555555555555", "name": "NVIDIA A100-SXM4-40GB MIG 3g.20gb", "memory_total": 21474836480, "memory_used": 1073741824},
      {"uuid": "MIG-66666666-2222-3333-4444-555555555555", "name": "NVIDIA A100-SXM4-40GB MIG 1g.5gb", "memory_total": 5368709120}]},
      "processes": [{"pid": 77, "memory": 1073741824, "gpu_instance": 1}]}]})");
  ASSERT_TRUE(src);
  const auto snap = src->sample(1);
  const auto& g = snap.gpus[0];
  EXPECT_TRUE(*g.mig_enabled);
  EXPECT_FALSE(g.utilization.has_value());  // NVML gives no utilization on MIG-enabled GPUs
  ASSERT_EQ(g.mig_instances.size(), 2u);
  EXPECT_EQ(g.mig_instances[0].uuid, "MIG-11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(g.mig_instances[0].name, "NVIDIA A100-SXM4-40GB MIG 3g.20gb");
  EXPECT_EQ(*g.mig_instances[0].memory_used_bytes, 1073741824u);
  EXPECT_EQ(*g.mig_instances[1].memory_total_bytes, 5368709120u);
  ASSERT_EQ(g.processes.size(), 1u);
  EXPECT_EQ(*g.processes[0].gpu_instance, 1u);
  EXPECT_TRUE(snap.errors.empty());
}

TEST(Nvml, NoDriverIsOneClearMessage) {
  unsetenv("FAKE_NVML_SCENARIO");
  std::string why;
  auto src = NvmlSource::open(&why, FAKE_NVML_LIB);
  EXPECT_FALSE(src);
  EXPECT_EQ(why, "NVML init failed: DRIVER_NOT_LOADED (is the NVIDIA kernel driver loaded?)");
}

TEST(Nvml, InitErrorFromScenario) {
  std::string why;
  auto src = open_fake(R"({"init_error": "NO_PERMISSION"})", &why);
  EXPECT_FALSE(src);
  EXPECT_NE(why.find("NO_PERMISSION"), std::string::npos);
}

TEST(Nvml, MissingLibraryIsOneClearMessage) {
  std::string why;
  auto src = NvmlSource::open(&why, "/nonexistent/libnvidia-ml.so.1");
  EXPECT_FALSE(src);
  EXPECT_EQ(why.rfind("NVML not found: /nonexistent/libnvidia-ml.so.1", 0), 0u) << why;
  EXPECT_NE(why.find("is the NVIDIA driver installed?"), std::string::npos);
}

// A driver that keeps answering INSUFFICIENT_SIZE (processes starting faster than we fetch): the
// source gives up after its retries, reports the error once, and the rest of the GPU is intact.
TEST(Nvml, PersistentInsufficientSizeIsBounded) {
  auto src = open_fake(R"({"devices": [{"utilization": 50, "processes": [{"pid": 5, "memory": 1}],
      "errors": [{"function": "nvmlDeviceGetComputeRunningProcesses_v3", "error": "INSUFFICIENT_SIZE"}]}]})");
  ASSERT_TRUE(src);
  const auto snap = src->sample(1);
  EXPECT_TRUE(snap.gpus[0].processes.empty());
  EXPECT_DOUBLE_EQ(*snap.gpus[0].utilization, 0.5);
  ASSERT_EQ(snap.errors.size(), 1u);
  EXPECT_EQ(snap.errors[0], "nvmlDeviceGetComputeRunningProcesses_v3: INSUFFICIENT_SIZE");
}
