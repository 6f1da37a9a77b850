#include "perf/training.h"

#include <gtest/gtest.h>

#include <cmath>

#include "catalog/catalog.h"
#include "test_efficiency.h"

using namespace frugal;

TEST(Training, FlopsAreSixNT) {
  static Catalog c = Catalog::load(FRUGAL_TEST_DATA_DIR);
  EXPECT_DOUBLE_EQ(training_flops(*c.find_model("llama-2-70b"), 2e9), 6 * 68.977e9 * 2e9);
  EXPECT_DOUBLE_EQ(training_flops(*c.find_model("deepseek-v3"), 1e9), 6 * 37e9 * 1e9);  // MoE: active params
}

TEST(Training, ShardedMemoryAndTime) {
  static Catalog c = Catalog::load(FRUGAL_TEST_DATA_DIR);
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  auto dev = make_device(eff, gpu, 80);
  const auto& m = *c.find_model("llama-2-70b");
  // 16 B/param sharded; activations 2*s*h*L + 34*s*h at s=4096; 1 GiB reserve.
  const double act = 2.0 * 4096 * 8192 * 80 + 34.0 * 4096 * 8192;
  const double free = 80 * 1073741824.0 - act - 1073741824.0;
  const int expect = static_cast<int>(std::ceil(68.977e9 * 16 / free));
  EXPECT_EQ(min_training_devices(m, dev, 4096, 1000), expect);
  EXPECT_EQ(min_training_devices(m, dev, 4096, expect - 1), 0);
  auto e = estimate_training(m, dev, 16, 2e9, 4096);
  EXPECT_TRUE(e.fits());
  EXPECT_NEAR(e.time_s, 6 * 68.977e9 * 2e9 / (16 * 100e12 * 0.4), 1e-6);
}
