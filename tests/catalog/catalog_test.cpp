#include "catalog/catalog.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "test_util.h"

using namespace frugal;

namespace {
const Catalog& cat() {
  static Catalog c = Catalog::load(FRUGAL_TEST_DATA_DIR);
  return c;
}

}  // namespace

TEST(Catalog, GpuInstancesHaveSpecsAndPrices) {
  const auto* p5 = cat().find_instance("p5.48xlarge");
  ASSERT_TRUE(p5);
  ASSERT_TRUE(p5->accelerator);
  EXPECT_EQ(p5->accelerator->id, "H100-80GB");
  EXPECT_EQ(p5->devices, 8);
  EXPECT_DOUBLE_EQ(p5->on_demand_hourly.value(), 55.04);
  EXPECT_TRUE(p5->spot_hourly.has_value());
  EXPECT_LT(*p5->spot_hourly, *p5->on_demand_hourly);
  EXPECT_EQ(p5->unusable_reason(), "");

  const auto* p4d = cat().find_instance("p4d.24xlarge");
  ASSERT_TRUE(p4d && p4d->accelerator);
  EXPECT_EQ(p4d->accelerator->id, "A100-40GB");
  EXPECT_TRUE(p4d->sagemaker_hourly.has_value());
  EXPECT_EQ(cat().find_instance("p4de.24xlarge")->accelerator->id, "A100-80GB");
}

TEST(Catalog, NeuronInstancesCountNeuronCores) {
  const auto* inf2 = cat().find_instance("inf2.48xlarge");
  ASSERT_TRUE(inf2 && inf2->accelerator);
  EXPECT_EQ(inf2->devices, 24);
  EXPECT_TRUE(inf2->accelerator->is_neuron());
  EXPECT_EQ(cat().find_instance("trn1.32xlarge")->devices, 32);
}

TEST(Catalog, SpotIsMedianOfAzsWithRealSpotPrices) {
  // g4dn.xlarge us-east-1 spot: 0.2158, 0.2, 0.2039, 0.202, 0.2043 -> median 0.2039.
  const auto* g = cat().find_instance("g4dn.xlarge");
  EXPECT_DOUBLE_EQ(g->spot_hourly.value(), 0.2039);
  EXPECT_DOUBLE_EQ(g->spot_min_hourly.value(), 0.2);
  EXPECT_EQ(g->spot_interruption.empty(), false);
}

TEST(Catalog, SupplementAddsP3AndFractionalGpuIsAShare) {
  const auto* p3 = cat().find_instance("p3.2xlarge");
  ASSERT_TRUE(p3 && p3->accelerator);
  EXPECT_EQ(p3->accelerator->id, "V100-16GB");
  const auto* g6f = cat().find_instance("g6f.large");
  ASSERT_TRUE(g6f && g6f->accelerator);
  EXPECT_EQ(g6f->accelerator->id, "L4");
  EXPECT_NEAR(g6f->device_fraction, 2861.0 / 22888.0, 1e-9);
}

TEST(Catalog, UnusableTypesSayWhy) {
  EXPECT_EQ(cat().find_instance("p5e.48xlarge")->unusable_reason(), "no us-east-1 on-demand price in the catalog");
  EXPECT_EQ(cat().find_instance("p6-b300.48xlarge")->unusable_reason(), "no sourced spec for accelerator 'b300'");
}

TEST(Catalog, ModelsFromTomlWithAliases) {
  EXPECT_GE(cat().models().size(), 20u);
  const auto* m = cat().find_model("DeepSeek-67B");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "deepseek-llm-67b");
  EXPECT_EQ(m->layers, 95);
  EXPECT_EQ(m->kv_heads, 8);
  const auto* v3 = cat().find_model("deepseek-v3");
  ASSERT_TRUE(v3 && v3->is_moe());
  EXPECT_DOUBLE_EQ(v3->active_params, 37e9);
  EXPECT_EQ(v3->kv_latent_dim, 576);
  for (const char* name : {"llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "llama-3.1-8b",
                           "llama-3.1-70b", "llama-3.1-405b", "mistral-7b", "codellama-13b", "deepseek-llm-7b",
                           "deepseek-r1", "deepseek-r1-distill-llama-8b", "deepseek-r1-distill-llama-70b",
                           "falcon-40b", "gpt-3-175b", "bert-large", "resnet-50"}) {
    EXPECT_TRUE(cat().find_model(name)) << name;
  }
  EXPECT_EQ(cat().find_model("no-such-model"), nullptr);
}

TEST(Catalog, BadAcceleratorRowGivesFileLineColumn) {
  auto path = write_temp("frugal_bad_acc.csv",
                         "id,family,match_name,match_memory_mib,device_unit,memory_gib,mem_bw_gbs,fp32_tflops,fp16_tflops,"
                         "bf16_tflops,fp8_tflops,int8_tops,link,link_gbs,source\n"
                         "X,f,x,,gpu,80,fast,1,1,1,,,NVLink,100,s\n");
  try {
    Catalog::load_accelerators(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ":2:15: expected a number in column 'mem_bw_gbs', got 'fast'");
  }
}

TEST(Catalog, BadModelTomlGivesLocation) {
  auto path = write_temp("frugal_bad_model.toml", "name = \"m\"\nkind = \"decoder\"\nparams = \"big\"\nsource = \"s\"\n");
  try {
    Catalog::load_model(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ":3:10: expected a number for 'params'");
  }
  auto path2 = write_temp("frugal_bad_model2.toml", "name = \"m\"\nkind = \"decoder\"\nparams = 1e9\nsource = \"s\"\n");
  EXPECT_THROW(Catalog::load_model(path2), Error);  // layers etc. missing
}

TEST(Catalog, SpotCacheUsesNewestPricePerAzAndTheMedian) {
  auto path = write_temp("frugal_spot_cache.csv",
                         "InstanceType,AvailabilityZone,SpotPrice,Timestamp,Region,source\n"
                         "p5.48xlarge,us-east-1a,20.0,2026-11-20T00:00:00Z,us-east-1,test\n"
                         "p5.48xlarge,us-east-1a,10.0,2026-11-21T00:00:00Z,us-east-1,test\n"  // newer: wins for 1a
                         "p5.48xlarge,us-east-1b,14.0,2026-11-21T00:00:00Z,us-east-1,test\n"
                         "p5.48xlarge,us-east-1c,30.0,2026-11-21T00:00:00Z,us-east-1,test\n");
  auto c = Catalog::load(FRUGAL_TEST_DATA_DIR, path);
  const auto* p5 = c.find_instance("p5.48xlarge");
  EXPECT_DOUBLE_EQ(p5->spot_hourly.value(), 14.0);  // median of 10, 14, 30
  EXPECT_DOUBLE_EQ(p5->spot_min_hourly.value(), 10.0);
  EXPECT_NE(c.spot_cache_note.find("1 instance types"), std::string::npos);
  // Types not in the cache keep the bundled prices.
  EXPECT_DOUBLE_EQ(c.find_instance("g4dn.xlarge")->spot_hourly.value(), 0.2039);
  auto bad = write_temp("frugal_spot_bad.csv", "InstanceType,AvailabilityZone,SpotPrice,Timestamp,Region,source\nx,a,cheap,t,r,s\n");
  EXPECT_THROW(Catalog::load(FRUGAL_TEST_DATA_DIR, bad), Error);
}
