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
  EXPECT_EQ(cat().region(), "us-east-1");
  EXPECT_DOUBLE_EQ(p5->on_demand_hourly().value(), 55.04);
  EXPECT_EQ(p5->prices->on_demand->as_of, "2026-07-20");  // Karpenter's newer figure wins over ec2instances.info
  EXPECT_TRUE(p5->spot_hourly().has_value());
  EXPECT_LT(*p5->spot_hourly(), *p5->on_demand_hourly());
  EXPECT_EQ(p5->unusable_reason("us-east-1"), "");

  const auto* p4d = cat().find_instance("p4d.24xlarge");
  ASSERT_TRUE(p4d && p4d->accelerator);
  EXPECT_EQ(p4d->accelerator->id, "A100-40GB");
  EXPECT_TRUE(p4d->sagemaker_hourly().has_value());
  EXPECT_EQ(cat().find_instance("p4de.24xlarge")->accelerator->id, "A100-80GB");
}

TEST(Catalog, NeuronInstancesCountNeuronCores) {
  const auto* inf2 = cat().find_instance("inf2.48xlarge");
  ASSERT_TRUE(inf2 && inf2->accelerator);
  EXPECT_EQ(inf2->devices, 24);
  EXPECT_TRUE(inf2->accelerator->is_neuron());
  EXPECT_EQ(cat().find_instance("trn1.32xlarge")->devices, 32);
}

TEST(Catalog, SpotIsMedianOfStandardAzsOnly) {
  // p5.48xlarge us-east-1 (SkyPilot v9): use1-atl2-az1 is the Atlanta Local Zone (17.0252) and
  // use1-az1/az4 copy on-demand (no history); the standard AZs with spot are 18.734, 18.1597,
  // 18.6838 and 16.9508 -> median (18.1597 + 18.6838) / 2.
  const auto& p5 = *cat().find_instance("p5.48xlarge")->prices;
  ASSERT_TRUE(p5.spot);
  EXPECT_DOUBLE_EQ(p5.spot->usd_per_hour, (18.1597 + 18.6838) / 2);
  EXPECT_DOUBLE_EQ(p5.spot_min.value(), 16.9508);
  EXPECT_EQ(p5.spot_by_az.size(), 4u);
  EXPECT_EQ(p5.spot_by_az.count("use1-atl2-az1"), 0u);
  EXPECT_NE(p5.spot->label.find("1 Local/Wavelength zone"), std::string::npos) << p5.spot->label;
  EXPECT_NE(p5.spot->label.find("2 AZs with spot == on-demand"), std::string::npos) << p5.spot->label;
  // p6-b200.48xlarge: the Local Zone's 23.8385 is left out; one standard AZ at 24.402.
  const auto& b200 = *cat().find_instance("p6-b200.48xlarge")->prices;
  EXPECT_DOUBLE_EQ(b200.spot->usd_per_hour, 24.402);
  EXPECT_EQ(b200.spot->label.rfind("spot median of 1 standard AZ", 0), 0u) << b200.spot->label;
}

TEST(Catalog, SpotFloorArtefactAndCopiedOnDemandAreUnknown) {
  // p6-b200.48xlarge us-east-2: use2-az3 is at exactly 10% of on-demand (11.3933 of 113.9328).
  const auto* us2 = cat().price_book().find("us-east-2", "p6-b200.48xlarge");
  ASSERT_TRUE(us2 && us2->spot);
  EXPECT_DOUBLE_EQ(us2->spot->usd_per_hour, (28.7577 + 23.956) / 2);
  EXPECT_NE(us2->spot->label.find("10% floor"), std::string::npos);
  EXPECT_TRUE(is_spot_floor_artefact(11.3933, 113.9328));
  // ca-central-1 p5.48xlarge: the one AZ copies on-demand -> unknown, with the reason.
  const auto* ca = cat().price_book().find("ca-central-1", "p5.48xlarge");
  ASSERT_TRUE(ca);
  EXPECT_FALSE(ca->spot);
  EXPECT_NE(ca->spot_unknown_reason.find("spot == on-demand"), std::string::npos) << ca->spot_unknown_reason;
}

TEST(Catalog, PricesPerRegionWithReservedAndCapacityBlocks) {
  Catalog c = Catalog::load(FRUGAL_TEST_DATA_DIR);
  c.select_region("eu-west-1");
  const auto* g5 = c.find_instance("g5.xlarge");
  EXPECT_DOUBLE_EQ(g5->on_demand_hourly().value(), 1.123);  // us-east-1 says 1.006
  EXPECT_EQ(g5->prices->on_demand->as_of, "2025-11-30");
  const ReservedRate* ri = g5->prices->find_reserved(3, "standard", "all-upfront");
  ASSERT_TRUE(ri);
  EXPECT_DOUBLE_EQ(ri->rate.usd_per_hour, 0.42226);
  EXPECT_NEAR(ri->upfront_usd().value(), 0.42226 * 8760 * 3, 1e-6);
  EXPECT_FALSE(g5->prices->find_reserved(1, "standard", "partial-upfront")->upfront_usd().has_value());
  EXPECT_EQ(g5->spot_interruption(), "10-15%");  // Spot Advisor (2025-06) wins over ec2instances.info's 5-10%
  c.select_region("us-east-1");
  EXPECT_DOUBLE_EQ(c.find_instance("g5.xlarge")->on_demand_hourly().value(), 1.006);
  EXPECT_DOUBLE_EQ(c.find_instance("p5.48xlarge")->prices->capacity_block->usd_per_hour, 39.33);
  // p5.48xlarge has no 1-year Standard RI anywhere (data README trap).
  EXPECT_EQ(c.find_instance("p5.48xlarge")->prices->find_reserved(1, "standard", "no-upfront"), nullptr);
  EXPECT_GE(c.price_book().priced_regions().size(), 25u);
}

TEST(Catalog, UnknownRegionSuggestsAndGovCloudIsRefused) {
  Catalog c = Catalog::load(FRUGAL_TEST_DATA_DIR);
  try {
    c.select_region("eu-wst-1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'eu-west-1'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(c.select_region("us-gov-west-1"), Error);
  EXPECT_EQ(c.region(), "us-east-1");  // unchanged by a refused selection
}

TEST(Catalog, AcceleratedFamiliesIncludeUnpricedOnes) {
  ASSERT_TRUE(cat().find_family("g3.4xlarge"));
  EXPECT_TRUE(cat().find_family("g3.4xlarge")->counts_as_accelerated_spend);
  EXPECT_EQ(cat().find_family("ml.p4d.24xlarge")->kind, "gpu");
  EXPECT_EQ(cat().find_family("trn2.48xlarge")->kind, "trainium");
  EXPECT_FALSE(cat().find_family("f1.2xlarge")->counts_as_accelerated_spend);  // FPGA: marked, not GPU spend
  EXPECT_EQ(cat().find_family("m5.large"), nullptr);
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
  EXPECT_EQ(cat().find_instance("p6-b300.48xlarge")->unusable_reason("us-east-1"), "no sourced spec for accelerator 'b300'");
  // p5e has spot but no on-demand price: still usable on spot, never an imputed on-demand figure.
  const auto* p5e = cat().find_instance("p5e.48xlarge");
  EXPECT_FALSE(p5e->on_demand_hourly());
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
  EXPECT_EQ(v3->kv_rope_dim, 64);
  EXPECT_EQ(v3->head_dim, 192);
  EXPECT_EQ(v3->v_head_dim, 128);
  for (const char* name : {"llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "llama-3.1-8b",
                           "llama-3.1-70b", "llama-3.1-405b", "mistral-7b", "codellama-13b", "deepseek-llm-7b",
                           "deepseek-r1", "deepseek-r1-distill-llama-8b", "deepseek-r1-distill-llama-70b",
                           "falcon-40b", "gpt-3-175b", "bert-large", "resnet-50"}) {
    EXPECT_TRUE(cat().find_model(name)) << name;
  }
  EXPECT_EQ(cat().find_model("no-such-model"), nullptr);
  // Hugging Face ids match by their repository name or an alias.
  EXPECT_EQ(cat().find_model("meta-llama/Llama-3.1-8B-Instruct"), cat().find_model("llama-3.1-8b"));
  EXPECT_EQ(cat().find_model("someone/llama-3.1-8b"), cat().find_model("llama-3.1-8b"));
  EXPECT_NE(cat().unknown_model_message("lama-3.1-8b").find("did you mean 'llama-3.1-8b'"), std::string::npos)
      << cat().unknown_model_message("lama-3.1-8b");
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

// FP4 tensor cores are a column of their own (Blackwell); a file written before it existed still loads.
TEST(Catalog, Fp4PeakIsReadWhereTheColumnExists) {
  const Accelerator* b200 = cat().find_accelerator("B200-180GB");
  ASSERT_TRUE(b200);
  EXPECT_DOUBLE_EQ(b200->peak_flops("fp4").value_or(0), 9000e12);
  EXPECT_DOUBLE_EQ(b200->peak_for(*cat().find_precision("fp4")).value_or(0), 9000e12);
  EXPECT_FALSE(cat().find_accelerator("H100-80GB")->peak_flops("fp4"));
  const std::string header = "id,family,match_name,match_memory_mib,device_unit,memory_gib,mem_bw_gbs,fp32_tflops,fp16_tflops,"
                             "bf16_tflops,fp8_tflops,int8_tops,link,link_gbs,source\n";
  auto older = Catalog::load_accelerators(write_temp("frugal_acc_no_fp4.csv", header + "X,f,x,,gpu,80,1000,1,1,1,2,,NVLink,100,s\n"));
  ASSERT_EQ(older.size(), 1u);
  EXPECT_FALSE(older[0].fp4_tflops);
  const std::string with = "id,family,match_name,match_memory_mib,device_unit,memory_gib,mem_bw_gbs,fp32_tflops,fp16_tflops,"
                           "bf16_tflops,fp8_tflops,fp4_tflops,int8_tops,link,link_gbs,source\n";
  const auto bad = write_temp("frugal_acc_bad_fp4.csv", with + "X,f,x,,gpu,80,1000,1,1,1,2,lots,,NVLink,100,s\n");
  try {
    Catalog::load_accelerators(bad);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), bad + ":2:28: expected a number in column 'fp4_tflops', got 'lots'");
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
  // Which weights a quantized checkpoint covers: "linear" or "experts" (MoE only); tied is a bool.
  const std::string dense = "name = \"m\"\nkind = \"decoder\"\nparams = 1e9\nsource = \"s\"\nlayers = 2\nhidden = 64\n"
                            "heads = 4\nkv_heads = 4\nffn = 128\nvocab = 100\nmax_context = 64\n";
  auto expect_error = [](const std::string& file, const std::string& text, const std::string& message) {
    const auto p = write_temp(file, text);
    try {
      Catalog::load_model(p);
      ADD_FAILURE() << text;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), p + message);
    }
  };
  expect_error("frugal_bad_model3.toml", dense + "quantized = \"all\"\n", ":12:13: expected quantized = \"linear\" or \"experts\"");
  expect_error("frugal_bad_model4.toml", dense + "quantized = \"experts\"\n",
               ":12:13: quantized = \"experts\" needs a MoE model (experts > 0)");
  expect_error("frugal_bad_model5.toml", dense + "tied_embeddings = 1\n", ":12:19: expected tied_embeddings = true or false");
  // MLA: the latent alone cannot say how attention splits into its two forms.
  expect_error("frugal_bad_model6.toml", dense + "kv_latent_dim = 96\nv_head_dim = 16\n", ":1:1: missing number 'kv_rope_dim'");
  const auto ok = Catalog::load_model(write_temp("frugal_model_tied.toml", dense + "tied_embeddings = true\n"));
  EXPECT_TRUE(ok.tied_embeddings);
  EXPECT_EQ(ok.quantized, ModelSpec::Quantized::kLinear);
  EXPECT_DOUBLE_EQ(ok.embedding_params(), 6400);
  EXPECT_DOUBLE_EQ(ok.head_params(), 0);
}

TEST(Catalog, SpotCacheUsesNewestPricePerStandardAzAndTheMedian) {
  auto path = write_temp("frugal_spot_cache.csv",
                         "InstanceType,AvailabilityZone,ZoneType,SpotPrice,Timestamp,Region,source\n"
                         "p5.48xlarge,us-east-1a,availability-zone,20.0,2026-11-20T00:00:00Z,us-east-1,test\n"
                         "p5.48xlarge,us-east-1a,availability-zone,10.0,2026-11-21T00:00:00Z,us-east-1,test\n"  // newer: wins
                         "p5.48xlarge,us-east-1b,availability-zone,14.0,2026-11-21T00:00:00Z,us-east-1,test\n"
                         "p5.48xlarge,us-east-1c,availability-zone,30.0,2026-11-21T00:00:00Z,us-east-1,test\n"
                         "p5.48xlarge,us-east-1-atl-2a,local-zone,1.0,2026-11-21T00:00:00Z,us-east-1,test\n");
  auto c = Catalog::load(FRUGAL_TEST_DATA_DIR, Catalog::Extra::spot(path));
  const auto* p5 = c.find_instance("p5.48xlarge");
  EXPECT_DOUBLE_EQ(p5->spot_hourly().value(), 14.0);  // median of 10, 14, 30; the Local Zone's 1.0 left out
  EXPECT_DOUBLE_EQ(p5->prices->spot_min.value(), 10.0);
  EXPECT_EQ(p5->prices->spot->as_of, "2026-11-21");
  EXPECT_NE(c.spot_cache_note.find("1 instance types"), std::string::npos);
  // Types not in the cache keep the bundled prices.
  EXPECT_DOUBLE_EQ(c.find_instance("p6-b200.48xlarge")->spot_hourly().value(), 24.402);
  auto bad = write_temp("frugal_spot_bad.csv",
                        "InstanceType,AvailabilityZone,ZoneType,SpotPrice,Timestamp,Region,source\nx,a,availability-zone,cheap,t,r,s\n");
  EXPECT_THROW(Catalog::load(FRUGAL_TEST_DATA_DIR, Catalog::Extra::spot(bad)), Error);
  auto zero = write_temp("frugal_spot_zero.csv",
                         "InstanceType,AvailabilityZone,ZoneType,SpotPrice,Timestamp,Region,source\nx,a,availability-zone,0,t,r,s\n");
  EXPECT_THROW(Catalog::load(FRUGAL_TEST_DATA_DIR, Catalog::Extra::spot(zero)), Error);
}

TEST(Catalog, UserModelDirAddsAndShadowsModels) {
  namespace fs = std::filesystem;
  const fs::path dir = temp_path("frugal_user_models");
  fs::create_directories(dir);
  std::ofstream(dir / "mine.toml") << "name = \"my-model\"\nkind = \"decoder\"\nparams = 1e9\nlayers = 2\nhidden = 64\n"
                                      "heads = 4\nkv_heads = 4\nffn = 128\nvocab = 100\nmax_context = 2048\nsource = \"t\"\n";
  std::ofstream(dir / "shadow.toml") << "name = \"llama-3.1-8b\"\nkind = \"decoder\"\nparams = 8e9\nlayers = 32\nhidden = 4096\n"
                                        "heads = 32\nkv_heads = 8\nffn = 14336\nvocab = 128256\nmax_context = 8192\nsource = \"user\"\n";
  auto c = Catalog::load(FRUGAL_TEST_DATA_DIR, Catalog::Extra::models({dir.string(), (dir / "missing").string()}));
  ASSERT_TRUE(c.find_model("my-model"));
  EXPECT_EQ(c.find_model("llama-3.1-8b")->max_context, 8192);
  EXPECT_EQ(c.find_model("llama-3.1-8b")->source, "user");
  EXPECT_EQ(c.models().size(), cat().models().size() + 1);
}
