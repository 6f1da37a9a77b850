// The scheduler's GPU inventory: declared on the command line, or read through the real NVML
// dlopen path (the fake libnvidia-ml), with the MIG profiles of each model.
#include "schedd/inventory.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "telemetry/fake_nvml_util.h"

using namespace frugal;
using namespace frugal::schedd;

TEST(SchedInventory, Declared) {
  const Inventory inv = declared_inventory("2xH100-80GB,1xL4-24GB", FRUGAL_TEST_DATA_DIR);
  ASSERT_EQ(inv.gpus.size(), 3u);
  EXPECT_EQ(inv.gpus[0].memory_mib, 80 * 1024);
  EXPECT_EQ(inv.gpus[2].memory_mib, 24 * 1024);
  ASSERT_NE(inv.find_mig(inv.gpus[0], "1g.10gb"), nullptr);
  EXPECT_EQ(inv.find_mig(inv.gpus[0], "3g.40gb")->size, 4);
  EXPECT_TRUE(inv.gpus[2].mig.empty());  // L4: no MIG
  EXPECT_THROW(declared_inventory("lots of GPUs", FRUGAL_TEST_DATA_DIR), Error);
  EXPECT_THROW(declared_inventory("0xH100-80GB", FRUGAL_TEST_DATA_DIR), Error);
}

TEST(SchedInventory, FromNvml) {
  std::ifstream in(scenario_file("two_a100.json"));
  const std::string scenario((std::istreambuf_iterator<char>(in)), {});
  auto src = open_fake(scenario);
  ASSERT_TRUE(src);
  const Inventory inv = nvml_inventory(*src, FRUGAL_TEST_DATA_DIR);
  ASSERT_EQ(inv.gpus.size(), 2u);
  EXPECT_EQ(inv.gpus[1].uuid, "GPU-bbbbbbbb-0000-0000-0000-000000000000");
  EXPECT_EQ(inv.gpus[0].memory_mib, 40960);
  // A100-SXM4-40GB: its own MIG table (1g.5gb exists there, not on the 80 GB part).
  EXPECT_NE(inv.find_mig(inv.gpus[0], "1g.5gb"), nullptr);
  EXPECT_EQ(inv.find_mig(inv.gpus[0], "1g.10gb")->starts, (std::vector<int>{0, 2, 4, 6}));
}
