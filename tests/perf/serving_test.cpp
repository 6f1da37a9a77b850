// The load-aware serving model (perf/serving.h): the laws it must obey, checked on the bundled
// factors. Numbers are derived from the model's own outputs (Little's law, budgets), never pasted.
#include "perf/serving.h"

#include <gtest/gtest.h>

#include <cmath>

#include "catalog/catalog.h"
#include "core/error.h"
#include "perf/efficiency.h"

using namespace frugal;

namespace {
const Catalog& cat() {
  static Catalog c = Catalog::load(FRUGAL_TEST_DATA_DIR);
  return c;
}
const Efficiency& eff() {
  static Efficiency e = Efficiency::load(std::string(FRUGAL_TEST_DATA_DIR) + "/perf/efficiency.toml");
  return e;
}
LlmConfig config(const char* model, const char* instance, const char* precision, int tp, const std::string& stack = "") {
  const InstanceType* it = cat().find_instance(instance);
  return {cat().find_model(model), cat().find_precision(precision),
          make_device(eff(), *it->accelerator, it->device_memory_gib, it->device_fraction, stack), tp};
}
}  // namespace

TEST(Load, ParsesEveryForm) {
  EXPECT_EQ(parse_load("8").kind, Load::Kind::kBatch);
  EXPECT_EQ(parse_load("batch 8").value, 8);
  EXPECT_EQ(parse_load("Concurrency 20").kind, Load::Kind::kConcurrency);
  EXPECT_DOUBLE_EQ(parse_load("rate 300/min").value, 5);
  EXPECT_EQ(parse_load("max (offline)").kind, Load::Kind::kMax);
  EXPECT_EQ(parse_load("max (offline; DEP8)").kind, Load::Kind::kMax);
  const Load burst = parse_load("burst 500 (all 500 requests at once)");
  EXPECT_EQ(burst.kind, Load::Kind::kBurst);
  EXPECT_EQ(burst.value, 500);
  EXPECT_EQ(burst.describe(), "burst 500");
  const Load finite = parse_load("rate 32/s for 500 requests");
  EXPECT_EQ(finite.kind, Load::Kind::kRate);
  EXPECT_EQ(finite.value, 32);
  EXPECT_EQ(finite.requests, 500);
  EXPECT_EQ(finite.describe(), "rate 32/s for 500 requests");
  EXPECT_EQ(parse_load("rate 2/s").requests, 0);
  EXPECT_THROW(parse_load("rate 32/s for 500"), Error);
  EXPECT_THROW(parse_load("rate 32/s for many requests"), Error);
  EXPECT_THROW(parse_load("burst"), Error);
  EXPECT_THROW(parse_load("burst 0"), Error);
  EXPECT_THROW(parse_load("lots"), Error);
  EXPECT_THROW(parse_load("concurrency 2.5"), Error);
  EXPECT_THROW(parse_load("rate fast"), Error);
}

// Open loop: Little's law holds below capacity, TTFT (with prefill queueing) grows with the rate,
// and a rate past the replica's max throughput is reported as saturated, never as a latency.
TEST(Serving, OpenLoopObeysLittlesLawAndSaturates) {
  const auto c = config("llama-3.1-8b", "p5.48xlarge", "fp8", 1);
  const auto max = estimate_load(c, Load::max(), 512, 256);
  ASSERT_GT(max.capacity_rps, 1);
  double last_ttft = 0;
  for (double share : {0.1, 0.5, 0.9}) {
    const double rate = share * max.capacity_rps;
    const auto e = estimate_load(c, Load::rate(rate), 512, 256);
    ASSERT_FALSE(e.saturated) << rate;
    EXPECT_NEAR(e.running, rate * e.e2e_s, 0.05 * e.running + 0.05) << rate;  // n = R x latency
    EXPECT_DOUBLE_EQ(e.tokens_per_s, rate * 256);
    EXPECT_GT(e.ttft_avg_s, last_ttft);
    EXPECT_GE(e.ttft_p99_s, e.ttft_p50_s);
    last_ttft = e.ttft_avg_s;
  }
  const auto over = estimate_load(c, Load::rate(1.5 * max.capacity_rps), 512, 256);
  EXPECT_TRUE(over.saturated);
  EXPECT_FALSE(over.ttft_steady);
  EXPECT_NEAR(over.tokens_per_s, max.tokens_per_s, 1e-6 * max.tokens_per_s);
}

// Max throughput runs the most sequences the KV cache, max_batch and the token budget allow; a
// prefill-heavy shape is bound by the budget: n (1 + P/O) <= max_num_tokens.
TEST(Serving, MaxThroughputIsBoundByMemoryBatchAndTokenBudget) {
  const auto c = config("llama-3.1-8b", "p5en.48xlarge", "fp8", 1);
  const double budget = c.device.stack->max_num_tokens;
  ASSERT_GT(budget, 0);
  const auto prefill_heavy = estimate_load(c, Load::max(), 2048, 128);
  EXPECT_LE(prefill_heavy.running_limit, budget * 128 / (2048 + 128));
  const auto decode_heavy = estimate_load(c, Load::max(), 128, 2048);
  EXPECT_LE(decode_heavy.running_limit, c.device.stack->max_batch);
  EXPECT_GT(decode_heavy.running_limit, prefill_heavy.running_limit);
  EXPECT_TRUE(memory_for(c, static_cast<int>(decode_heavy.running_limit), 128 + 2048).fits());
  // A model that fills the device leaves room for only a few sequences.
  const auto tight = config("llama-3.1-70b", "p5.48xlarge", "fp8", 1);
  const double n = running_limit(tight, 1000, 1000);
  EXPECT_GE(n, 1);
  EXPECT_FALSE(memory_for(tight, static_cast<int>(n) + 1, 2000).fits());
}

// Closed loop: staggered arrivals, so TTFT at 25 clients is not 25 prefills back to back (the old
// model's 11 s on 2x H100); clients past the engine's limit wait in its queue.
TEST(Serving, ClosedLoopStaggersPrefillAndQueuesPastTheLimit) {
  const auto c = config("llama-3.3-70b", "p5.48xlarge", "fp8", 2);
  const auto one = estimate_load(c, Load::concurrency(1), 1000, 1000);
  const auto many = estimate_load(c, Load::concurrency(25), 1000, 1000);
  const auto batch = estimate_load(c, Load::batch(25), 1000, 1000);
  EXPECT_LT(many.ttft_avg_s, 3 * one.ttft_avg_s);
  EXPECT_GT(batch.ttft_avg_s, 10 * one.ttft_avg_s);  // a static batch does prefill all 25 first
  EXPECT_GT(many.tokens_per_s, 10 * one.tokens_per_s);
  EXPECT_NEAR(many.requests_per_s, 25 / many.e2e_s, 1e-9);

  const double limit = running_limit(c, 1000, 1000);
  const auto queued = estimate_load(c, Load::concurrency(limit * 2), 1000, 1000);
  EXPECT_GT(queued.queue_wait_s, 0);
  EXPECT_DOUBLE_EQ(queued.running, limit);
}

// A stack without chunked prefill pauses decoding for every arrival's prefill: its TPOT grows
// with concurrency faster than a chunked stack's on the same hardware and factors otherwise.
TEST(Serving, SeparatePrefillPassesSlowDecoding) {
  auto chunked = config("llama-3.1-8b", "g6e.xlarge", "bf16", 1);
  StackFactors separate = *chunked.device.stack;
  separate.chunked_prefill = false;
  auto paused = chunked;
  paused.device.stack = &separate;
  const double ratio_chunked = estimate_load(chunked, Load::concurrency(32), 2000, 100).tpot_s /
                               estimate_load(chunked, Load::concurrency(1), 2000, 100).tpot_s;
  const double ratio_paused = estimate_load(paused, Load::concurrency(32), 2000, 100).tpot_s /
                              estimate_load(paused, Load::concurrency(1), 2000, 100).tpot_s;
  EXPECT_GT(ratio_paused, ratio_chunked);
}

// A chunked-prefill engine carries whole prompt chunks. At concurrency 5 with 500-token prompts
// (one chunk each) and 100 outputs, the 4 others finish 0.04 requests per iteration: 4% of the
// iterations carry a 500-token chunk, the rest are pure decode. The TPOT is that mixture, not one
// iteration with 20 prompt tokens spread into it. At concurrency 25, 24% of the iterations carry one.
TEST(Serving, ChunkedPrefillIterationsCarryWholeChunks) {
  const auto c = config("llama-3.1-70b", "p5.48xlarge", "bf16", 4);
  for (double n : {5.0, 25.0}) {
    const double prompt = 500, output = 100, ctx = prompt + output / 2, q = (n - 1) / output;
    const double decode = iteration_time(c, n, ctx, 0, prompt / 2);
    const double with_chunk = iteration_time(c, n, ctx, prompt, prompt / 2);
    const double tpot = estimate_load(c, Load::concurrency(n), prompt, output).tpot_s;
    EXPECT_NEAR(tpot, (1 - q) * decode + q * with_chunk, 1e-12) << n;
  }
}

// A burst of N requests sent at once is a finite run: ceil(N P / budget) prefill iterations that
// carry the prompts beside the decodes of those already started, then decode-only steps until all
// N finish. 500 prompts of 467 tokens in an 8192-token budget take 29 iterations; first tokens land
// evenly over them (mean: 15 iterations), and a request still sees 14 of them after its first token.
TEST(Serving, BurstRunsAPrefillPhaseThenDecodesToTheEnd) {
  const auto c = config("llama-3.1-70b", "p5.48xlarge", "bf16", 4, "trtllm-triton");
  const double n = 500, prompt = 467, output = 256;
  ASSERT_GE(running_limit(c, prompt, output), n);
  const double budget = c.device.stack->max_num_tokens;
  const double k = std::ceil(n * prompt / budget);
  ASSERT_EQ(k, 29);
  const double per_iteration = iteration_time(c, n / 2, prompt, n * prompt / k, prompt / 2);
  const double step = decode_step_time(c, static_cast<int>(n), prompt + output / 2);
  const auto e = estimate_load(c, Load::burst(n), prompt, output);
  EXPECT_TRUE(e.ttft_steady);
  EXPECT_DOUBLE_EQ(e.running, n);
  EXPECT_NEAR(e.ttft_avg_s, per_iteration * (k + 1) / 2, 1e-12);
  EXPECT_NEAR(e.tpot_s, (14 * per_iteration + (output - 1 - 14) * step) / (output - 1), 1e-12);
  EXPECT_NEAR(e.tokens_per_s, n * output / (k * per_iteration + (output - 1) * step), 1e-9);
  // The steady state at the same N carries arriving prompts in every iteration; the burst only in
  // its prefill phase, so its mean ITL is shorter.
  EXPECT_LT(e.tpot_s, estimate_load(c, Load::concurrency(n), prompt, output).tpot_s);
  // More requests than the engine holds: it runs at its limit, and TTFT is the run's backlog.
  const double limit = running_limit(c, prompt, output);
  const auto over = estimate_load(c, Load::burst(2 * limit), prompt, output);
  EXPECT_FALSE(over.ttft_steady);
  EXPECT_DOUBLE_EQ(over.running, limit);
}

// A finite open-loop run (N requests at R/s) is stepped through, not held at a steady state it may
// never reach: past capacity its backlog grows by what arrives less what completes, so it neither
// jumps to N in flight nor to the endless run's limit.
TEST(Serving, AFiniteRunIsSteppedThroughNotHeldAtItsRequestCount) {
  const auto c = config("llama-3.1-70b", "p5.48xlarge", "bf16", 4, "trtllm-triton");
  const double prompt = 467, output = 256, n = 500;
  const double limit = running_limit(c, prompt, output);
  ASSERT_GT(limit, n);
  auto finite = [&](double rate, double requests) {
    Load l = Load::rate(rate);
    l.requests = requests;
    return estimate_load(c, l, prompt, output);
  };
  // All at once: the run is the burst the burst model describes.
  const auto flood = finite(1e6, n);
  const auto burst = estimate_load(c, Load::burst(n), prompt, output);
  EXPECT_TRUE(flood.saturated);
  EXPECT_FALSE(flood.ttft_steady);
  EXPECT_NEAR(flood.running / n, 1, 0.05);
  EXPECT_NEAR(flood.tpot_s / burst.tpot_s, 1, 0.1);
  EXPECT_NEAR(flood.tokens_per_s / burst.tokens_per_s, 1, 0.1);
  const auto endless = estimate_load(c, Load::rate(1e6), prompt, output);
  EXPECT_DOUBLE_EQ(endless.running, limit);
  EXPECT_LT(flood.tpot_s, endless.tpot_s);
  // Where the steady state ends (the rate at which the model stops predicting TTFT), ITL and
  // throughput carry on: no jump to N in flight.
  double lo = 1, hi = 1e3;
  ASSERT_FALSE(finite(lo, n).saturated);
  ASSERT_TRUE(finite(hi, n).saturated);
  for (int i = 0; i < 50; ++i) {
    const double mid = std::sqrt(lo * hi);
    (finite(mid, n).saturated ? hi : lo) = mid;
  }
  const auto below = finite(lo, n), above = finite(hi, n);
  ASSERT_FALSE(below.saturated);
  ASSERT_TRUE(above.saturated);
  EXPECT_NEAR(above.tpot_s / below.tpot_s, 1, 0.01);
  EXPECT_NEAR(above.tokens_per_s / below.tokens_per_s, 1, 0.01);
  EXPECT_LT(above.running, 0.9 * n);
  // Light and long, the run sits at the steady state the queueing model gives an endless run:
  // the same ITL and TTFT, and its throughput is its tokens over N/R plus the last one's latency.
  const double requests = 1000;
  const auto light = finite(1, requests), steady = estimate_load(c, Load::rate(1), prompt, output);
  EXPECT_NEAR(light.tpot_s / steady.tpot_s, 1, 0.02);
  EXPECT_NEAR(light.ttft_avg_s, steady.ttft_avg_s, 1e-9);
  EXPECT_NEAR(light.tokens_per_s / (requests * output / (requests / 1.0 + steady.e2e_s)), 1, 0.02);
  EXPECT_DOUBLE_EQ(steady.tokens_per_s, 1 * output);  // an endless run completes what arrives
}

// Open loop near the engine's limit: Poisson arrivals wait for a free place (M/G/c, Erlang C,
// halved for fixed lengths as Allen-Cunneen gives), which a finite run that fits entirely never
// does. Erlang C is recomputed here from its textbook sum, not the recursion the model uses.
TEST(Serving, OpenLoopWaitsForAPlaceNearTheEnginesLimit) {
  const auto c = config("deepseek-llm-67b", "p5.4xlarge", "fp8", 1);
  const double prompt = 512, output = 256;
  const double limit = running_limit(c, prompt, output);
  ASSERT_GT(limit, 10);
  const double rate = 0.95 * estimate_load(c, Load::max(), prompt, output).capacity_rps;
  const auto endless = estimate_load(c, Load::rate(rate), prompt, output);
  Load fits = Load::rate(rate);
  fits.requests = limit - 1;  // every request of the run finds a place
  const auto finite = estimate_load(c, fits, prompt, output);
  ASSERT_FALSE(endless.saturated);
  ASSERT_FALSE(finite.saturated);
  ASSERT_LT(endless.running, limit - 1);
  EXPECT_DOUBLE_EQ(finite.place_wait_s, 0);
  EXPECT_NEAR(endless.queue_wait_s - finite.queue_wait_s, endless.place_wait_s, 1e-12);
  const int places = static_cast<int>(std::floor(limit));
  const double a = endless.running, held = endless.e2e_s - endless.queue_wait_s;
  // C(c, a) = (a^c / c!) (c / (c - a)) / (sum_{k<c} a^k / k! + (a^c / c!) (c / (c - a))), in logs.
  long double sum = 0;
  for (int k = 0; k < places; ++k) sum += std::exp(static_cast<long double>(k * std::log(a) - std::lgamma(k + 1.0)));
  const long double top = std::exp(static_cast<long double>(places * std::log(a) - std::lgamma(places + 1.0))) *
                          places / (places - a);
  const double erlang_c = static_cast<double>(top / (sum + top));
  EXPECT_NEAR(endless.place_wait_s, erlang_c * held / (places - a) / 2, 1e-9 * held);
  EXPECT_GT(endless.place_wait_s, 0.01 * held);  // near the limit it is a real share of a latency
  EXPECT_GT(endless.ttft_p90_s, finite.ttft_p90_s);
  // Light load: a place is almost always free.
  const auto light = estimate_load(c, Load::rate(0.3 * rate), prompt, output);
  EXPECT_LT(light.place_wait_s, 1e-6 * light.e2e_s);
}

// Trainium2 runs logical NeuronCores (LNC=2): 64 devices of 24 GiB on trn2.48xlarge, where
// Llama-3.1-405B in BF16 fits at TP 64 (as NxD Inference deploys it) and not at TP 32.
TEST(Serving, Llama405bFitsTrn2AtTp64) {
  const InstanceType* it = cat().find_instance("trn2.48xlarge");
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->devices, 64);
  EXPECT_DOUBLE_EQ(it->device_memory_gib, 24);
  EXPECT_GT(running_limit(config("llama-3.1-405b", "trn2.48xlarge", "bf16", 64), 512, 256), 0);
  EXPECT_EQ(running_limit(config("llama-3.1-405b", "trn2.48xlarge", "bf16", 32), 512, 256), 0);
}

// MoE under DEP: every device holds the dense part whole and 1/8 of the experts (more weight per
// device than TP 8), but only its own sequences' MLA cache (TP replicates it on every rank), so
// far more sequences fit; dense models ignore the flag.
TEST(Serving, ExpertParallelHoldsMoreSequencesForMla) {
  auto tp = config("deepseek-r1", "p5en.48xlarge", "fp8", 8);
  auto dep = tp;
  dep.attention_dp = true;
  ASSERT_TRUE(dep.dep());
  const auto m_tp = memory_for(tp, 1, 2048), m_dep = memory_for(dep, 1, 2048);
  EXPECT_GT(m_dep.weights, m_tp.weights);
  EXPECT_DOUBLE_EQ(m_dep.kv_cache * 8, m_tp.kv_cache);
  EXPECT_GT(running_limit(dep, 1024, 1024), 2 * running_limit(tp, 1024, 1024));
  auto dense = config("llama-3.1-70b", "p5en.48xlarge", "fp8", 8);
  dense.attention_dp = true;
  EXPECT_FALSE(dense.dep());
}
