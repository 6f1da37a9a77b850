// A small efficiency file with round numbers so tests can compute expected times by hand.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "perf/efficiency.h"
#include "test_util.h"

// Its text, for tests that append to it.
inline constexpr const char* kTestEfficiencyToml = R"(
[defaults]
gpu_stack = "s"
neuron_stack = "s"
[memory]
usable_fraction = 0.9
runtime_reserve_gib = 1.0
training_bytes_per_param = 16
max_prefill_tokens = 8192
[family.testfam]
mem_eff = 0.5
compute_eff = 0.5
attn_eff = 0.25
link_eff = 1.0
calibrated = true
train_mfu = 0.4
[family.child]
inherits = "testfam"
[stack.s]
step_overhead_ms = 1
prefill_overhead_ms = 2
allreduce_latency_us = 10
tp_step_overhead_ms = 0
w4_compute_eff = 1.0
seq_overhead_us = 5
)";

inline frugal::Efficiency test_efficiency() {
  // One file per process: ctest runs each test in its own process, in parallel.
  const std::string p = write_temp("frugal_test_eff.toml", kTestEfficiencyToml);
  return frugal::Efficiency::load(p);
}

inline frugal::Accelerator test_gpu() {
  frugal::Accelerator a;
  a.id = "TestGPU";
  a.family = "testfam";
  a.device_unit = "gpu";
  a.memory_gib = 80;
  a.mem_bw_gbs = 1000;
  a.fp16_tflops = 100;
  a.bf16_tflops = 100;
  a.fp8_tflops = 200;
  a.fp32_tflops = 10;
  a.link_gbs = 100;
  return a;
}
