#include "advise/workload.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "test_util.h"

using namespace frugal;

namespace {
std::string error_of(const std::string& text) {
  auto p = write_temp("frugal_wl.toml", text);
  try {
    load_workloads(p);
  } catch (const Error& e) {
    std::string s = e.what();
    return s.substr(p.size());
  }
  return "";
}
}  // namespace

TEST(Workloads, ExampleFileLoads) {
  auto ws = load_workloads(std::string(FRUGAL_TEST_DATA_DIR) + "/../examples/workloads.toml");
  ASSERT_EQ(ws.size(), 5u);
  EXPECT_EQ(ws[0].model, "llama-3.1-8b");
  EXPECT_DOUBLE_EQ(ws[0].rate_rps, 20);
  EXPECT_DOUBLE_EQ(ws[0].tpot_slo_s.value(), 0.05);
  EXPECT_EQ(ws[3].task, Task::kTrain);
  EXPECT_DOUBLE_EQ(ws[3].train_tokens, 100e9);
  EXPECT_DOUBLE_EQ(ws[3].deadline_s.value(), 30 * 86400);
  EXPECT_EQ(ws[2].precisions.size(), 4u);
}

TEST(Workloads, ErrorsNameLineAndColumn) {
  EXPECT_EQ(error_of("[[workload]]\nmodel = \"x\"\nrate = \"fast\"\n"),
            ":3:8: rate: expected a rate like 5/s, 300/min or 2e6/day, got 'fast'");
  EXPECT_EQ(error_of("[[workload]]\nmodel = \"x\"\nratee = \"5/s\"\n"), ":3:9: unknown key 'ratee' in [[workload]]");
  EXPECT_EQ(error_of("[[workload]]\nmodel = \"x\"\ntask = \"dance\"\n"), ":3:8: task: expected serve or train, got 'dance'");
  EXPECT_EQ(error_of("name = 1\n"), ":1:1: expected one or more [[workload]] tables");
  EXPECT_EQ(error_of("[[workload]]\nmodel = \"x\"\ntask = \"train\"\n").find(":1:1: workload 'x': training needs tokens > 0"), 0u);
  EXPECT_NE(error_of("[[workload]]\nmodel = \"x\"\nrate = \n"), "");
}
