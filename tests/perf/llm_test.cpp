#include "perf/llm.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "catalog/catalog.h"
#include "core/error.h"
#include "test_efficiency.h"

using namespace frugal;

namespace {
const Catalog& cat() {
  static Catalog c = Catalog::load(FRUGAL_TEST_DATA_DIR);
  return c;
}
const Precision& prec(const char* n) { return *cat().find_precision(n); }
const ModelSpec& model(const char* n) { return *cat().find_model(n); }
constexpr double kGiB = 1073741824.0;
// Llama-2-7B's and Llama-2-70B's input embedding tables (vocab x hidden): looked up, never read whole.
constexpr double kTable7b = 32000.0 * 4096, kTable70b = 32000.0 * 8192;
constexpr double kRead7b = 6.738e9 - kTable7b;  // parameters a Llama-2-7B pass reads
}  // namespace

TEST(LlmMath, WeightBytes) {
  // "67B x 2 bytes = 134 GB": DeepSeek-LLM-67B has 67.4e9 parameters.
  EXPECT_DOUBLE_EQ(weight_bytes(model("deepseek-llm-67b"), prec("bf16")), 67.4e9 * 2);
  EXPECT_DOUBLE_EQ(weight_bytes(model("llama-2-7b"), prec("fp32")), 6.738e9 * 4);
  // A quantized checkpoint keeps the embedding table and lm_head (untied: two tables) at 16 bits.
  EXPECT_DOUBLE_EQ(weight_bytes(model("llama-2-70b"), prec("int4")), (68.977e9 - 2 * kTable70b) * 0.5 + 2 * kTable70b * 2);
  EXPECT_DOUBLE_EQ(unquantized_weight_params(model("llama-2-70b"), prec("fp8")), 2 * kTable70b);
  EXPECT_DOUBLE_EQ(unquantized_weight_params(model("llama-2-70b"), prec("bf16")), 0);
  // Tied (Llama-3.2-1B): one table serves both.
  const auto& small = model("llama-3.2-1b");
  const double table = static_cast<double>(small.vocab) * small.hidden;
  EXPECT_DOUBLE_EQ(weight_bytes(small, prec("fp8")), (small.params - table) * 1 + table * 2);
  // NVFP4: 4 bits per weight plus one FP8 scale per 16 = 0.5625 B; the tables stay 16-bit.
  EXPECT_DOUBLE_EQ(weight_bytes(model("llama-2-70b"), prec("fp4")), (68.977e9 - 2 * kTable70b) * 0.5625 + 2 * kTable70b * 2);
  // gpt-oss is published quantized in its routed experts only: everything else stays 16-bit.
  const auto& oss = model("gpt-oss-120b");
  EXPECT_DOUBLE_EQ(weight_bytes(oss, prec("int4")), expert_params(oss) * 0.5 + (oss.params - expert_params(oss)) * 2);
}

TEST(LlmMath, KvCacheBytesPerToken) {
  // Llama-2-7B, MHA: 32 layers x 2 (K,V) x 32 heads x 128 dims x 2 bytes = 524,288 B.
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(model("llama-2-7b"), prec("fp16")), 524288);
  // Llama-2-70B, GQA with 8 KV heads: 80 x 2 x 8 x 128 x 2 = 327,680 B.
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(model("llama-2-70b"), prec("bf16")), 327680);
  // DeepSeek-V3, MLA: 61 layers x 576 latent x 2 bytes = 70,272 B.
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(model("deepseek-v3"), prec("bf16")), 70272);
  // FP8 halves the cache; encoders keep none.
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(model("llama-2-7b"), prec("fp8")), 262144);
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(model("bert-large"), prec("fp16")), 0);
}

TEST(LlmMath, Flops) {
  const auto& m = model("llama-2-7b");
  EXPECT_DOUBLE_EQ(linear_flops(m, 10), 2 * kRead7b * 10);  // the embedding lookup multiplies nothing
  // attention: 4 x 32 layers x 4096 x context 100 x 10 tokens
  EXPECT_DOUBLE_EQ(attention_flops(m, 10, 100, AttentionPass::kPrefill), 4.0 * 32 * 4096 * 100 * 10);
  EXPECT_DOUBLE_EQ(attention_flops(m, 10, 100, AttentionPass::kDecode), 4.0 * 32 * 4096 * 100 * 10);
  EXPECT_DOUBLE_EQ(forward_flops(model("resnet-50"), 3, 0), 3 * 8.18e9);
}

TEST(LlmMath, MlaPrefillsAsMultiHeadAndDecodesOverTheLatent) {
  const auto& v3 = model("deepseek-v3");
  // Prefill: 128 heads, keys of 128 nope + 64 rope, values of 128: 2 x (192 + 128) per head.
  EXPECT_DOUBLE_EQ(attention_flops(v3, 10, 100, AttentionPass::kPrefill), 61.0 * 128 * 2 * (192 + 128) * 100 * 10);
  // Decode: each head's absorbed query against the 576-element latent (512 + 64 rope), and its
  // weights over the 512-element latent: 2 x (576 + 512) per head, 3.4x prefill's per cached token.
  EXPECT_DOUBLE_EQ(attention_flops(v3, 10, 100, AttentionPass::kDecode), 61.0 * 128 * 2 * (576 + 512) * 100 * 10);
}

// Decode steps price MLA's decode form and prompt chunks its prefill form: with bandwidth so high
// that attention is bound by its FLOPs, a step's growth with context is those FLOPs at attn_eff.
TEST(LlmMath, MlaDecodeStepsAndPromptChunksUseTheirOwnAttentionForm) {
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  gpu.mem_bw_gbs = 1e6;
  const auto& lite = model("deepseek-v2-lite");  // 27 layers, 16 heads, latent 512 + 64, heads 192 / 128
  LlmConfig c{&lite, &prec("bf16"), make_device(eff, gpu, 80), 1};
  const double decode_flops = 64.0 * 1000 * 27 * 16 * 2 * (576 + 512);
  EXPECT_NEAR(decode_step_time(c, 64, 2000) - decode_step_time(c, 64, 1000), decode_flops / 0.25 / 100e12, 1e-12);
  const double prefill_flops = 1000.0 * 1000 * 27 * 16 * 2 * (192 + 128);
  EXPECT_NEAR(iteration_time(c, 0, 0, 1000, 2000) - iteration_time(c, 0, 0, 1000, 1000),
              prefill_flops / 0.25 / 100e12, 1e-12);
}

TEST(LlmMath, SlidingWindowLayersAttendToTheirWindowOnly) {
  const auto& g = model("gpt-oss-120b");
  ASSERT_GT(g.sliding_window, 0);
  const double full = g.layers - g.sliding_window_layers;
  const double per = 4.0 * g.heads * g.head_dim;
  EXPECT_DOUBLE_EQ(attention_flops(g, 1, 10000, AttentionPass::kDecode),
                   per * (full * 10000 + g.sliding_window_layers * g.sliding_window));
  EXPECT_DOUBLE_EQ(attention_flops(g, 1, 50, AttentionPass::kDecode), per * g.layers * 50);
}

TEST(LlmMath, MoeReadsActiveParamsForOneTokenAndAllForMany) {
  const auto& v3 = model("deepseek-v3");
  const double table = 129280.0 * 7168;  // its input embedding table: looked up, not read
  EXPECT_NEAR(params_read(v3, 1), 37e9 - table, 1e3);
  EXPECT_NEAR(params_read(v3, 1e6), 671e9 - table, 1e6);
  EXPECT_GT(params_read(v3, 8), params_read(v3, 1));
  EXPECT_DOUBLE_EQ(params_read(model("llama-2-7b"), 1), kRead7b);
  EXPECT_DOUBLE_EQ(linear_flops(v3, 1), 2 * (37e9 - table));  // FLOPs use active parameters
}

TEST(LlmMath, DecodeStepIsMemoryBoundAndMatchesHandComputation) {
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  LlmConfig c{&model("llama-2-7b"), &prec("bf16"), make_device(eff, gpu, 80), 1};
  // bytes: weights read (all but the embedding table) x 2 + KV 524288 x 1000 tokens, at 1000 GB/s x 0.5
  const double t_mem = (kRead7b * 2 + 524288.0 * 1000) / (1000e9 * 0.5);
  // compute: (2 x those weights / 0.5 + 4 x 32 x 4096 x 1000 / 0.25) / 100e12 (far smaller)
  const double t_cmp = (2 * kRead7b / 0.5 + 4.0 * 32 * 4096 * 1000 / 0.25) / 100e12;
  ASSERT_GT(t_mem, t_cmp);
  EXPECT_NEAR(decode_step_time(c, 1, 1000), t_mem + 1e-3 + 5e-6, 1e-12);  // + step and per-sequence overheads
  // 8 sequences: 8 x the KV bytes, 8 x 5 us of per-sequence overhead.
  const double t8 = (kRead7b * 2 + 8 * 524288.0 * 1000) / (1000e9 * 0.5);
  EXPECT_NEAR(decode_step_time(c, 8, 1000), t8 + 1e-3 + 8 * 5e-6, 1e-12);
}

// A large decode batch: the weight matmuls are compute-bound and attention is bound by its KV reads.
// The two kernels run one after the other, so their times add; neither hides under the other.
TEST(LlmMath, LargeDecodeBatchAddsMatmulComputeAndKvReads) {
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  LlmConfig c{&model("llama-2-7b"), &prec("bf16"), make_device(eff, gpu, 80), 1};
  const double batch = 512;
  const double matmul_compute = 2 * kRead7b * batch / 0.5 / 100e12;
  const double weight_reads = kRead7b * 2 / (1000e9 * 0.5);
  const double attn_compute = 4.0 * 32 * 4096 * 1000 * batch / 0.25 / 100e12;
  const double kv_reads = batch * 524288.0 * 1000 / (1000e9 * 0.5);
  ASSERT_GT(matmul_compute, weight_reads);
  ASSERT_GT(kv_reads, attn_compute);
  EXPECT_NEAR(decode_step_time(c, 512, 1000), matmul_compute + kv_reads + 1e-3 + batch * 5e-6, 1e-12);
}

TEST(LlmMath, PrefillIsComputeBound) {
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  LlmConfig c{&model("llama-2-7b"), &prec("bf16"), make_device(eff, gpu, 80), 1};
  const double tokens = 2048;
  const double t_cmp = (2 * kRead7b * tokens / 0.5 + 4.0 * 32 * 4096 * 1024 * tokens / 0.25) / 100e12;
  EXPECT_NEAR(prefill_time(c, 1, tokens), t_cmp + 2e-3, 1e-12);
}

// FP8 prefill: the quantized matmuls run at the FP8 peak (200 TF), the 16-bit lm_head at the BF16
// one (100 TF); the input table is a lookup and costs nothing.
TEST(LlmMath, QuantizedPrefillRunsItsSixteenBitHeadAtTheSixteenBitPeak) {
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  LlmConfig c{&model("llama-2-7b"), &prec("fp8"), make_device(eff, gpu, 80), 1};
  const double tokens = 2048;
  const double quantized = 6.738e9 - 2 * kTable7b;
  const double t_cmp = 2 * quantized * tokens / 0.5 / 200e12 + 2 * kTable7b * tokens / 0.5 / 100e12 +
                       4.0 * 32 * 4096 * 1024 * tokens / 0.25 / 200e12;
  EXPECT_NEAR(prefill_time(c, 1, tokens), t_cmp + 2e-3, 1e-12);
}

// NVFP4 prefill on a device with FP4 tensor cores (400 TF here): the quantized matmuls run at the
// FP4 peak, lm_head at the BF16 one (100 TF), attention on the FP8 tensor cores (200 TF) over the
// FP8 cache. It is not a weight-only 4-bit kernel: the stack's int4 kernel factors do not touch it.
TEST(LlmMath, Fp4MultipliesOnItsOwnTensorCoresNotThroughAFourBitKernel) {
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  gpu.fp4_tflops = 400;
  const auto& m = model("llama-2-7b");
  LlmConfig c{&m, &prec("fp4"), make_device(eff, gpu, 80), 1};
  const double tokens = 2048;
  const double quantized = 6.738e9 - 2 * kTable7b;
  const double t_cmp = 2 * quantized * tokens / 0.5 / 400e12 + 2 * kTable7b * tokens / 0.5 / 100e12 +
                       4.0 * 32 * 4096 * 1024 * tokens / 0.25 / 200e12;
  EXPECT_NEAR(prefill_time(c, 1, tokens), t_cmp + 2e-3, 1e-12);
  // Decode at batch 1 reads the 4.5-bit weights and the 16-bit lm_head at the family's read rate.
  const double reads = (quantized * 0.5625 + kTable7b * 2 + 262144.0 * 1000) / (1000e9 * 0.5);
  EXPECT_NEAR(decode_step_time(c, 1, 1000), reads + 1e-3 + 5e-6, 1e-12);
  // Slow 4-bit kernel factors change int4 (W4A16) and leave fp4 alone.
  LlmConfig w4{&m, &prec("int4"), make_device(eff, gpu, 80), 1};
  const double fp4_before = pass_time(c, 8, 1, 0, 0), int4_before = pass_time(w4, 8, 1, 0, 0);
  eff.stacks()["s"].w4_compute_eff = 0.1;
  eff.stacks()["s"].w4_direct_mem_eff = 0.25;
  eff.stacks()["s"].w4_kernel_source = "test";
  LlmConfig c2{&m, &prec("fp4"), make_device(eff, gpu, 80), 1};
  LlmConfig w4b{&m, &prec("int4"), make_device(eff, gpu, 80), 1};
  EXPECT_DOUBLE_EQ(pass_time(c2, 8, 1, 0, 0), fp4_before);
  EXPECT_GT(pass_time(w4b, 8, 1, 0, 0), int4_before);
  EXPECT_TRUE(prec("int4").weight_only_4bit());
  EXPECT_FALSE(prec("fp4").weight_only_4bit());
  // A GPU without FP4 tensor cores cannot run it.
  const auto plain = test_gpu();  // the device setup points at it: it must outlive the config
  LlmConfig old{&m, &prec("fp4"), make_device(eff, plain, 80), 1};
  EXPECT_EQ(unsupported_reason(old), "TestGPU has no fp4 support");
}

TEST(LlmMath, TensorParallelSplitsWeightsAndAddsRingAllReduce) {
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  const auto& m = model("llama-2-70b");
  LlmConfig c1{&m, &prec("bf16"), make_device(eff, gpu, 80), 1};
  LlmConfig c2{&m, &prec("bf16"), make_device(eff, gpu, 80), 2};
  auto m1 = memory_for(c1, 1, 1000), m2 = memory_for(c2, 1, 1000);
  EXPECT_DOUBLE_EQ(m2.weights, m1.weights / 2);
  EXPECT_DOUBLE_EQ(m2.kv_cache, m1.kv_cache / 2);  // 8 KV heads split over 2 ranks
  // Per step at batch 1: 2 all-reduces per layer, each 2(p-1) x 10 us + 2(p-1)/p x 8192 x 2 B / 100 GB/s.
  const double comm = 2 * 80 * (2 * 1 * 10e-6 + 1.0 * 8192 * 2 / 100e9);
  const double mem = ((68.977e9 - kTable70b) * 2 / 2 + 327680.0 * 1000 / 2) / (1000e9 * 0.5);
  // Plus the step overhead (1 ms) and 5 us per running sequence.
  EXPECT_NEAR(decode_step_time(c2, 1, 1000), mem + comm + 1e-3 + 5e-6, 1e-9);
  // KV heads replicate once TP exceeds them: at TP 16 the cache is split 8 ways, not 16.
  LlmConfig c16{&m, &prec("bf16"), make_device(eff, gpu, 80), 16};
  EXPECT_DOUBLE_EQ(memory_for(c16, 1, 1000).kv_cache, m1.kv_cache / 8);
}

TEST(LlmMath, MemoryFitAndMaxBatch) {
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  // 67.4B x 2 B = 134.8 GB cannot fit one 80 GiB device, fits two.
  const auto& m = model("deepseek-llm-67b");
  LlmConfig c1{&m, &prec("bf16"), make_device(eff, gpu, 80), 1};
  LlmConfig c2{&m, &prec("bf16"), make_device(eff, gpu, 80), 2};
  EXPECT_FALSE(memory_for(c1, 1, 768).fits());
  EXPECT_EQ(max_batch(c1, 768), 0);
  const int b = max_batch(c2, 768);
  ASSERT_GT(b, 0);
  EXPECT_TRUE(memory_for(c2, b, 768).fits());
  EXPECT_FALSE(memory_for(c2, b + 1, 768).fits());
  // reserve: 1 GiB + 10% of 80 GiB
  EXPECT_DOUBLE_EQ(memory_for(c2, 1, 768).reserve, 1 * kGiB + 0.1 * 80 * kGiB);
  // The engine's activation buffers, a fitted multiple of one prefill chunk, leave less for the KV
  // cache: a model that barely fits runs a smaller batch.
  const double one_chunk = memory_for(c2, 1, 768).activations;
  eff.stacks()["s"].activation_scale = 4;
  LlmConfig r2{&m, &prec("bf16"), make_device(eff, gpu, 80), 2};
  EXPECT_DOUBLE_EQ(memory_for(r2, 1, 768).activations, 4 * one_chunk);
  EXPECT_LT(max_batch(r2, 768), b);
}

TEST(LlmMath, TpDegreesAndTheSmallestThatFits) {
  // Powers of two that divide the device count, and the whole instance.
  EXPECT_EQ(tp_degrees(1), (std::vector<int>{1}));
  EXPECT_EQ(tp_degrees(8), (std::vector<int>{1, 2, 4, 8}));
  EXPECT_EQ(tp_degrees(12), (std::vector<int>{1, 2, 4, 12}));  // inf2.48xlarge's 12 devices (24 cores: 1..8, 24)
  EXPECT_EQ(tp_degrees(24), (std::vector<int>{1, 2, 4, 8, 24}));
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  // DeepSeek-LLM-67B in bf16 (134.8 GB) does not fit one 80 GiB device and fits two (above).
  const auto& m = model("deepseek-llm-67b");
  LlmConfig c{&m, &prec("bf16"), make_device(eff, gpu, 80), 1};
  EXPECT_EQ(smallest_fitting_tp(c, 8, 768), 2);
  // In fp8 (67.4 GB) one device holds it; on 24 GiB devices it takes 4 (67.4 / 4 = 16.9 GB each).
  LlmConfig c8{&m, &prec("fp8"), make_device(eff, gpu, 80), 8};
  EXPECT_EQ(smallest_fitting_tp(c8, 8, 768), 1);
  LlmConfig small{&m, &prec("fp8"), make_device(eff, gpu, 24), 1};
  EXPECT_EQ(smallest_fitting_tp(small, 8, 768), 4);
  // Nowhere to put it: 0.
  EXPECT_EQ(smallest_fitting_tp(small, 2, 768), 0);
  // A context too long for the KV cache left at TP 2 moves it to TP 4.
  const int tp_long = smallest_fitting_tp(c, 8, 200000);
  EXPECT_GT(tp_long, 2);
  LlmConfig at{&m, &prec("bf16"), make_device(eff, gpu, 80), tp_long / 2};
  EXPECT_FALSE(memory_for(at, 1, 200000).fits());
  // So does a static batch that needs more KV cache than TP 2 leaves.
  const int b2 = max_batch(LlmConfig{&m, &prec("bf16"), make_device(eff, gpu, 80), 2}, 768, 65536);
  ASSERT_GT(b2, 0);
  EXPECT_EQ(smallest_fitting_tp(c, 8, 768, b2), 2);
  EXPECT_EQ(smallest_fitting_tp(c, 8, 768, b2 + 1), 4);
}

TEST(LlmMath, UnsupportedPrecisionsAndHeads) {
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  gpu.fp8_tflops.reset();
  LlmConfig c{&model("llama-2-7b"), &prec("fp8"), make_device(eff, gpu, 80), 1};
  EXPECT_EQ(unsupported_reason(c), "TestGPU has no fp8 support");
  LlmConfig c3{&model("llama-2-7b"), &prec("bf16"), make_device(eff, gpu, 80), 3};
  EXPECT_EQ(unsupported_reason(c3), "TP 3 does not divide 32 attention heads");
  // int8 falls back to weight-only (fp16 compute) where the device has no int8 peak.
  LlmConfig c8{&model("llama-2-7b"), &prec("int8"), make_device(eff, gpu, 80), 1};
  EXPECT_EQ(unsupported_reason(c8), "");
}

// transformers-neuronx pads the query heads to a multiple of the TP degree (and, for multi-head
// attention, the KV heads with them) and runs the padded heads. Llama-2-13B (40 heads of 128, hidden
// 5120, 40 layers, MHA) at TP 32 runs 64: 24 more heads' Q, K, V and O weights per layer,
// 40 x 4 x 5120 x 24 x 128 = 2.52e9 parameters, and 1.6x the KV cache and attention.
TEST(LlmMath, AStackThatPadsHeadsRunsThePaddedHeads) {
  const auto base = test_efficiency();
  auto eff = test_efficiency();  // a config points at its efficiency file's stack: one file each
  const auto gpu = test_gpu();
  const auto& m13 = model("llama-2-13b");
  LlmConfig plain{&m13, &prec("bf16"), make_device(base, gpu, 80), 32};
  EXPECT_EQ(unsupported_reason(plain), "TP 32 does not divide 40 attention heads");
  eff.stacks()["s"].pads_heads = true;
  LlmConfig padded{&m13, &prec("bf16"), make_device(eff, gpu, 80), 32};
  EXPECT_EQ(unsupported_reason(padded), "");
  const double extra = 40.0 * 4 * 5120 * 24 * 128;
  const auto a = memory_for(plain, 1, 4096), b = memory_for(padded, 1, 4096);
  EXPECT_DOUBLE_EQ(b.weights - a.weights, extra * 2 / 32);
  EXPECT_DOUBLE_EQ(b.kv_cache / a.kv_cache, 64.0 / 40);
  // A decode step reads the padded weights and 1.6x the KV cache, all memory-bound here.
  const double step_a = decode_step_time(plain, 1, 4096), step_b = decode_step_time(padded, 1, 4096);
  const double bw = 1000e9 * 0.5;  // test GPU bandwidth x mem_eff
  EXPECT_NEAR(step_b - step_a, extra * 2 / 32 / bw + 0.6 * a.kv_cache / bw, 1e-9);
  // GQA (Llama-3.1-70B: 64 query heads, 8 KV heads) at TP 24 runs 72 query heads; its KV heads are
  // replicated to one per rank either way, so only Q and O grow: 80 x 2 x 8192 x 8 x 128.
  const auto& m70 = model("llama-3.1-70b");
  LlmConfig g_plain{&m70, &prec("bf16"), make_device(base, gpu, 80), 24};
  LlmConfig g_padded{&m70, &prec("bf16"), make_device(eff, gpu, 80), 24};
  const auto ga = memory_for(g_plain, 1, 4096), gb = memory_for(g_padded, 1, 4096);
  EXPECT_NEAR(gb.weights - ga.weights, 80.0 * 2 * 8192 * 8 * 128 * 2 / 24, 1e-6 * ga.weights);
  EXPECT_DOUBLE_EQ(gb.kv_cache, ga.kv_cache);
  // TP dividing the heads: nothing to pad.
  LlmConfig even{&m13, &prec("bf16"), make_device(eff, gpu, 80), 8};
  LlmConfig even_plain{&m13, &prec("bf16"), make_device(base, gpu, 80), 8};
  EXPECT_DOUBLE_EQ(memory_for(even, 1, 4096).weights, memory_for(even_plain, 1, 4096).weights);
}

// Both Neuron facts travel through the writer with their sources; a fact without one is refused.
TEST(Efficiency, PaddedHeadsAndDecodeBucketsNeedTheirSources) {
  auto eff = test_efficiency();
  eff.stacks()["s"].pads_heads = true;
  eff.stacks()["s"].pads_heads_source = "get_qkv_padding";
  eff.stacks()["s"].decode_context_buckets = true;
  eff.stacks()["s"].decode_context_buckets_source = "bucket.token_sizes";
  const std::string p = temp_path("frugal_eff_neuron_facts.toml");
  std::ofstream(p) << eff.to_toml();
  const auto back = Efficiency::load(p);
  EXPECT_TRUE(back.stack("s").pads_heads);
  EXPECT_EQ(back.stack("s").pads_heads_source, "get_qkv_padding");
  EXPECT_TRUE(back.stack("s").decode_context_buckets);
  EXPECT_EQ(back.stack("s").decode_context_buckets_source, "bucket.token_sizes");
  eff.stacks()["s"].pads_heads_source = "";
  std::ofstream(p) << eff.to_toml();
  EXPECT_THROW(Efficiency::load(p), Error);
  eff.stacks()["s"].pads_heads_source = "get_qkv_padding";
  eff.stacks()["s"].decode_context_buckets_source = "";
  std::ofstream(p) << eff.to_toml();
  EXPECT_THROW(Efficiency::load(p), Error);
  std::filesystem::remove(p);
}

// transformers-neuronx compiles token-generation graphs for context buckets 128, 256, ... up to the
// sequence length, and a step attends over its bucket. 128 + 3968 tokens: 128 steps over 256, 256
// over 512, 512 over 1024, 1024 over 2048 and 2048 over 4096, a mean of 11173888 / 3968 = 2816
// against a mean context of 2112. A 1024-token prompt with 128 more attends over the whole 1152.
TEST(LlmMath, DecodeContextBucketsRoundTheContextUp) {
  const auto base = test_efficiency();
  auto eff = test_efficiency();
  const auto gpu = test_gpu();
  const auto& m = model("llama-2-7b");
  LlmConfig plain{&m, &prec("bf16"), make_device(base, gpu, 80), 1};
  EXPECT_DOUBLE_EQ(decode_context(plain, 128, 3968), 2112);
  eff.stacks()["s"].decode_context_buckets = true;
  LlmConfig bucketed{&m, &prec("bf16"), make_device(eff, gpu, 80), 1};
  EXPECT_DOUBLE_EQ(decode_context(bucketed, 128, 3968), 2816);
  EXPECT_DOUBLE_EQ(decode_context(bucketed, 1024, 128), 1152);
  EXPECT_DOUBLE_EQ(decode_context(bucketed, 4096, 4096), 8192);  // 4096 steps all in the last bucket
  // The static-batch estimate decodes at that context.
  EXPECT_DOUBLE_EQ(serve_at(bucketed, 4, 128, 3968).tpot_s, decode_step_time(bucketed, 4, 2816));
}

// exllama (v1) multiplies 4-bit weights directly below its threshold and rebuilds FP16 weights from
// it on: a pass of 8 tokens reads 0.5 B per weight, writes 2 B and reads 2 B again, 2.5 B per weight
// more than FP16 itself; a pass of 4 reads 1.5 B per weight less. Without a threshold, 4 bits always.
TEST(LlmMath, DequantizingInt4KernelReadsSlowlyBelowItsThresholdAndRebuildsFp16WeightsFromIt) {
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  const auto& m = model("llama-2-7b");
  LlmConfig fp16{&m, &prec("bf16"), make_device(eff, gpu, 80), 1};
  LlmConfig w4{&m, &prec("int4"), make_device(eff, gpu, 80), 1};
  // Seconds per byte per quantized weight: all but the embedding table and lm_head, which stay
  // 16-bit and are read alike by both.
  const double per_byte = (6.738e9 - 2 * kTable7b) / (1000e9 * 0.5);
  const double plain8 = pass_time(w4, 8, 1, 0, 0);
  EXPECT_NEAR(pass_time(w4, 4, 1, 0, 0) - pass_time(fp16, 4, 1, 0, 0), -1.5 * per_byte, 1e-9);
  eff.stacks()["s"].w4_dequant_min_tokens = 8;
  eff.stacks()["s"].w4_kernel_source = "exllama matmul_recons_thd";
  EXPECT_NEAR(pass_time(w4, 4, 1, 0, 0) - pass_time(fp16, 4, 1, 0, 0), -1.5 * per_byte, 1e-9);
  EXPECT_NEAR(pass_time(w4, 8, 1, 0, 0) - pass_time(fp16, 8, 1, 0, 0), 2.5 * per_byte, 1e-9);
  EXPECT_NEAR(pass_time(w4, 8, 1, 0, 0) - plain8, 4.0 * per_byte, 1e-9);
  // A direct kernel that reads its 4-bit weights at a quarter of FP16's rate takes as long as FP16
  // below the threshold (0.5 B at 1/4 the speed = 2 B); the rebuild from the threshold on is unchanged.
  eff.stacks()["s"].w4_direct_mem_eff = 0.25;
  EXPECT_NEAR(pass_time(w4, 4, 1, 0, 0) - pass_time(fp16, 4, 1, 0, 0), 0.0, 1e-9);
  EXPECT_NEAR(pass_time(w4, 8, 1, 0, 0) - pass_time(fp16, 8, 1, 0, 0), 2.5 * per_byte, 1e-9);
  // The threshold and its source travel through the writer; a threshold without a source is refused.
  const std::string p = temp_path("frugal_eff_w4.toml");
  std::ofstream(p) << eff.to_toml();
  auto back = Efficiency::load(p);
  EXPECT_DOUBLE_EQ(back.stack("s").w4_dequant_min_tokens, 8);
  EXPECT_EQ(back.stack("s").w4_kernel_source, "exllama matmul_recons_thd");
  EXPECT_DOUBLE_EQ(back.stack("s").w4_direct_mem_eff, 0.25);
  eff.stacks()["s"].w4_kernel_source = "";
  std::ofstream(p) << eff.to_toml();
  EXPECT_THROW(Efficiency::load(p), Error);
  // The read efficiency alone also needs its source, and must be a fraction.
  eff.stacks()["s"].w4_dequant_min_tokens = 0;
  std::ofstream(p) << eff.to_toml();
  EXPECT_THROW(Efficiency::load(p), Error);
  eff.stacks()["s"].w4_kernel_source = "measured against FP16";
  std::string text = eff.to_toml();
  const auto at = text.find("w4_direct_mem_eff = 0.25");
  ASSERT_NE(at, std::string::npos);
  std::ofstream(p) << text.replace(at, 24, "w4_direct_mem_eff = 1.50");
  EXPECT_THROW(Efficiency::load(p), Error);
  std::filesystem::remove(p);
}

// TensorRT-LLM all-reduces a small message (a decode step's activations) with its one-shot peer
// kernel: one barrier, then every rank reads the others' partial sums. Llama-2-70B at TP 4 has 80
// layers and two all-reduces per layer; one token's 8192 x 2 bytes waits once instead of a ring's
// 2(4-1) = 6 hops, 2 x 80 x 5 x 10 us = 8 ms less. How small a message must be depends on the group
// (AllreducePlugin::selectImplementation): 40 tokens (655,360 bytes) are one-shot at TP 4 (under
// 1,000,000) but not at TP 8 (over 500,000); 1000 tokens (16 MB) go the ring way at TP 4, as does a
// link the stack does not list and a group larger than the table's last entry.
TEST(LlmMath, SmallAllReducesOverPeerLinksWaitOnceInsteadOfRingHops) {
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  gpu.link = "NVTest";
  const auto& m = model("llama-2-70b");
  LlmConfig c{&m, &prec("bf16"), make_device(eff, gpu, 80), 4};
  LlmConfig c8 = c, c16 = c;
  c8.tp = 8;
  c16.tp = 16;
  const double ring1 = pass_time(c, 1, 1, 0, 0), ring40 = pass_time(c, 40, 1, 0, 0), ring1000 = pass_time(c, 1000, 1, 0, 0);
  const double ring40_tp8 = pass_time(c8, 40, 1, 0, 0), ring1_tp16 = pass_time(c16, 1, 1, 0, 0);
  auto& st = eff.stacks()["s"];
  st.peer_allreduce_links = {"NVTest"};
  st.peer_allreduce_max_bytes = {{2, 16e6}, {4, 1e6}, {8, 5e5}};
  st.peer_allreduce_source = "selectImplementation: one-shot up to 16e6 bytes at 2 ranks, 1e6 at 4, 5e5 at 8";
  EXPECT_NEAR(ring1 - pass_time(c, 1, 1, 0, 0), 2 * 80 * 5 * 10e-6, 1e-12);
  EXPECT_NEAR(ring40 - pass_time(c, 40, 1, 0, 0), 2 * 80 * 5 * 10e-6, 1e-12);
  EXPECT_DOUBLE_EQ(pass_time(c8, 40, 1, 0, 0), ring40_tp8);
  EXPECT_DOUBLE_EQ(pass_time(c, 1000, 1, 0, 0), ring1000);
  EXPECT_DOUBLE_EQ(pass_time(c16, 1, 1, 0, 0), ring1_tp16);
  st.peer_allreduce_links = {"PCIe4"};
  EXPECT_DOUBLE_EQ(pass_time(c, 1, 1, 0, 0), ring1);
  // The links travel through the writer with their thresholds and source; links without a source
  // are refused at load, and so is a threshold table with a key that is not a group size.
  st.peer_allreduce_links = {"NVTest"};
  const std::string p = temp_path("frugal_eff_peer.toml");
  std::ofstream(p) << eff.to_toml();
  auto back = Efficiency::load(p);
  EXPECT_EQ(back.stack("s").peer_allreduce_links, std::vector<std::string>{"NVTest"});
  EXPECT_EQ(back.stack("s").peer_allreduce_max_bytes, (std::vector<std::pair<int, double>>{{2, 16e6}, {4, 1e6}, {8, 5e5}}));
  EXPECT_EQ(back.stack("s").peer_allreduce_source, st.peer_allreduce_source);
  std::string text = eff.to_toml();
  const auto at = text.find("peer_allreduce_max_bytes = ");
  ASSERT_NE(at, std::string::npos);
  const auto eol = text.find('\n', at);
  // A file written before the table holds one number: a threshold for a group of any size.
  std::ofstream(p) << text.substr(0, at) + "peer_allreduce_max_bytes = 393216" + text.substr(eol);
  back = Efficiency::load(p);
  EXPECT_TRUE(back.stack("s").one_shot_allreduce("NVTest", 393216, 16));
  EXPECT_FALSE(back.stack("s").one_shot_allreduce("NVTest", 393217, 2));
  std::ofstream(p) << text.substr(0, at) + "peer_allreduce_max_bytes = { two = 16000000 }" + text.substr(eol);
  EXPECT_THROW(Efficiency::load(p), Error);
  st.peer_allreduce_source = "";
  std::ofstream(p) << eff.to_toml();
  EXPECT_THROW(Efficiency::load(p), Error);
  std::filesystem::remove(p);
}

TEST(LlmMath, ThroughputGrowsWithBatchAndLatencyToo) {
  auto eff = test_efficiency();
  auto gpu = test_gpu();
  LlmConfig c{&model("llama-2-7b"), &prec("bf16"), make_device(eff, gpu, 80), 1};
  auto a = serve_at(c, 1, 512, 256), b = serve_at(c, 32, 512, 256);
  EXPECT_GT(b.tokens_per_s, 10 * a.tokens_per_s);
  EXPECT_GT(b.tpot_s, a.tpot_s);
  EXPECT_NEAR(a.requests_per_s, a.tokens_per_s / 256, 1e-12);
}

// What loads writes back, and the written text loads to the same factors and writes back
// unchanged: the bundled file and the fuzz seed (tests/fuzz/corpus/efficiency1, after its case byte).
TEST(Efficiency, ParseWritesBackWhatLoadsAgain) {
  const std::string data = FRUGAL_TEST_DATA_DIR;
  for (const std::string& file : {data + "/perf/efficiency.toml", data + "/../tests/fuzz/corpus/efficiency1"}) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const std::string body = file.find("corpus") != std::string::npos ? text.str().substr(1) : text.str();
    const auto eff = Efficiency::parse(body, file);
    const std::string written = eff.to_toml();
    const auto again = Efficiency::parse(written, "written.toml");
    EXPECT_EQ(again.to_toml(), written) << file;
    EXPECT_EQ(again.stack("trt-llm").peer_allreduce_max_bytes, eff.stack("trt-llm").peer_allreduce_max_bytes) << file;
    EXPECT_DOUBLE_EQ(again.family("hopper").mem_eff, eff.family("hopper").mem_eff) << file;
    EXPECT_EQ(again.stack("trtllm-pytorch").shares_overheads, "trt-llm") << file;
    EXPECT_DOUBLE_EQ(again.stack("trtllm-pytorch").step_overhead_s, eff.stack("trt-llm").step_overhead_s) << file;
  }
  EXPECT_THROW(Efficiency::parse("[memory]\nusable_fraction = 0.9\n", "short.toml"), Error);
}

// A stack that shares another's overheads takes them from it (the fit estimates them once from
// both stacks' rows) and keeps its own kernel efficiencies; the writer names the owner instead of
// copying its numbers, and a number beside shares_overheads (which would be ignored) is refused,
// as are a missing reason, an unknown owner and an owner that shares another's.
TEST(Efficiency, SharedOverheadsComeFromTheirOwner) {
  const std::string head = kTestEfficiencyToml;  // stack "s": 1 ms step, 2 ms prefill, 10 us all-reduce, 5 us per sequence
  const std::string shared = "[stack.p]\nshares_overheads = \"s\"\nshares_overheads_source = \"same runtime\"\nw4_compute_eff = 0.25\nmoe_eff = 0.4\n";
  auto eff = Efficiency::parse(head + shared, "shared.toml");
  const auto& p = eff.stack("p");
  EXPECT_DOUBLE_EQ(p.step_overhead_s, 0.001);
  EXPECT_DOUBLE_EQ(p.prefill_overhead_s, 0.002);
  EXPECT_DOUBLE_EQ(p.allreduce_latency_s, 10e-6);
  EXPECT_DOUBLE_EQ(p.tp_step_overhead_s, 0);
  EXPECT_DOUBLE_EQ(p.seq_overhead_s, 5e-6);
  EXPECT_DOUBLE_EQ(p.activation_scale, 1);
  EXPECT_DOUBLE_EQ(p.w4_compute_eff, 0.25);
  EXPECT_DOUBLE_EQ(p.moe_eff, 0.4);
  // The owner moves (as the fit moves it): resolve() carries the sharer along, all six overheads.
  auto& owner = eff.stacks()["s"];
  owner.step_overhead_s = 0.007;
  owner.prefill_overhead_s = 0.011;
  owner.allreduce_latency_s = 13e-6;
  owner.tp_step_overhead_s = 0.017;
  owner.seq_overhead_s = 19e-6;
  owner.activation_scale = 2.3;
  owner.moe_eff = 0.9;
  eff.resolve();
  EXPECT_DOUBLE_EQ(eff.stack("p").step_overhead_s, 0.007);
  EXPECT_DOUBLE_EQ(eff.stack("p").prefill_overhead_s, 0.011);
  EXPECT_DOUBLE_EQ(eff.stack("p").allreduce_latency_s, 13e-6);
  EXPECT_DOUBLE_EQ(eff.stack("p").tp_step_overhead_s, 0.017);
  EXPECT_DOUBLE_EQ(eff.stack("p").seq_overhead_s, 19e-6);
  EXPECT_DOUBLE_EQ(eff.stack("p").activation_scale, 2.3);
  EXPECT_DOUBLE_EQ(eff.stack("p").moe_eff, 0.4);  // a kernel efficiency: its own
  const std::string written = eff.to_toml();
  const auto start = written.find("[stack.p]");
  const auto block = written.substr(start, written.find("[stack.", start + 1) - start);
  EXPECT_NE(block.find("shares_overheads = \"s\""), std::string::npos);
  EXPECT_EQ(block.find("step_overhead_ms"), std::string::npos);
  EXPECT_DOUBLE_EQ(Efficiency::parse(written, "w.toml").stack("p").step_overhead_s, 0.007);

  EXPECT_THROW(Efficiency::parse(head + shared + "seq_overhead_us = 9\n", "x.toml"), Error);
  EXPECT_THROW(Efficiency::parse(head + "[stack.p]\nshares_overheads = \"s\"\nw4_compute_eff = 1\n", "x.toml"), Error);
  EXPECT_THROW(Efficiency::parse(head + "[stack.p]\nshares_overheads = \"nope\"\nshares_overheads_source = \"r\"\nw4_compute_eff = 1\n", "x.toml"), Error);
  EXPECT_THROW(Efficiency::parse(head + shared + "[stack.q]\nshares_overheads = \"p\"\nshares_overheads_source = \"r\"\nw4_compute_eff = 1\n", "x.toml"), Error);
  try {
    Efficiency::parse(head + shared + "seq_overhead_us = 9\n", "x.toml");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("seq_overhead_us"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("x.toml"), std::string::npos) << e.what();
  }
}

TEST(Efficiency, InheritanceAndUnknownFamily) {
  auto eff = test_efficiency();
  EXPECT_DOUBLE_EQ(eff.family("child").mem_eff, 0.5);
  EXPECT_FALSE(eff.family("child").calibrated);
  EXPECT_TRUE(eff.family("testfam").calibrated);
  EXPECT_THROW(eff.family("nope"), Error);
  // A family with fitted serving factors but no training measurement borrows a named family's
  // MFU (Blackwell from Hopper); its own stays 0, which is how advice flags it as borrowed.
  {
    auto e2 = test_efficiency();
    e2.families()["own"] = e2.families()["testfam"];
    e2.families()["own"].train_mfu = 0;
    e2.families()["own"].train_mfu_source.clear();
    e2.families()["own"].train_mfu_inherits = "testfam";
    e2.resolve();
    EXPECT_DOUBLE_EQ(e2.family("own").train_mfu, 0.4);
    EXPECT_DOUBLE_EQ(e2.families().at("own").train_mfu, 0);
    const std::string q = temp_path("frugal_eff_mfu.toml");
    std::ofstream(q) << e2.to_toml();
    EXPECT_DOUBLE_EQ(Efficiency::load(q).family("own").train_mfu, 0.4);
    e2.families()["own"].train_mfu_inherits = "nowhere";
    std::ofstream(q) << e2.to_toml();
    EXPECT_THROW(Efficiency::load(q), Error);
    std::filesystem::remove(q);
  }
  // The writer's output reads back to the same factors.
  const std::string p = temp_path("frugal_eff_roundtrip.toml");
  std::ofstream(p) << eff.to_toml();
  auto back = Efficiency::load(p);
  EXPECT_DOUBLE_EQ(back.family("testfam").attn_eff, 0.25);
  EXPECT_DOUBLE_EQ(back.stack("s").allreduce_latency_s, 10e-6);
  EXPECT_DOUBLE_EQ(back.stack("s").activation_scale, 1);
  eff.stacks()["s"].activation_scale = 2.5;
  std::ofstream(p) << eff.to_toml();
  EXPECT_DOUBLE_EQ(Efficiency::load(p).stack("s").activation_scale, 2.5);
  // A step-overhead bound travels with its source; a fit above it, or a bound without its
  // source, is refused at load.
  eff.stacks()["s"].step_overhead_max_s = 0.0015;
  eff.stacks()["s"].step_overhead_max_source = "batch-1 first token in 3 ms";
  std::ofstream(p) << eff.to_toml();
  back = Efficiency::load(p);
  EXPECT_DOUBLE_EQ(back.stack("s").step_overhead_max_s, 0.0015);
  EXPECT_EQ(back.stack("s").step_overhead_max_source, "batch-1 first token in 3 ms");
  eff.stacks()["s"].step_overhead_s = 0.002;
  std::ofstream(p) << eff.to_toml();
  EXPECT_THROW(Efficiency::load(p), Error);
  eff.stacks()["s"].step_overhead_s = 0.001;
  eff.stacks()["s"].step_overhead_max_source = "";
  std::ofstream(p) << eff.to_toml();
  EXPECT_NE(eff.to_toml().find("step_overhead_max_source = \"\""), std::string::npos);
  EXPECT_THROW(Efficiency::load(p), Error);
  std::filesystem::remove(p);
}
