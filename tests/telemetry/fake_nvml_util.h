// Opens the fake libnvidia-ml (tests/fake_nvml) through NvmlSource's real dlopen path, driven by
// a scenario written for the test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "telemetry/nvml.h"
#include "test_util.h"

inline std::unique_ptr<frugal::telemetry::NvmlSource> open_fake(const std::string& scenario_json, std::string* why = nullptr) {
  static int n = 0;
  const std::string path =
      write_temp("fake_nvml_" + std::to_string(getpid()) + "_" + std::to_string(n++) + ".json", scenario_json);
  setenv("FAKE_NVML_SCENARIO", path.c_str(), 1);
  std::string w;
  auto src = frugal::telemetry::NvmlSource::open(&w, FAKE_NVML_LIB);
  if (why) *why = w;
  return src;
}

inline std::string scenario_file(const std::string& name) {
  return std::string(FRUGAL_TEST_FIXTURES) + "/../telemetry/scenarios/" + name;
}
