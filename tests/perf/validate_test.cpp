#include "perf/validate.h"
#include "perf/cross_validate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "catalog/catalog.h"
#include "core/error.h"
#include "test_util.h"

using namespace frugal;

namespace {
const std::string kData = FRUGAL_TEST_DATA_DIR;

// The bundled measurements whose source names `part`.
std::vector<MeasuredRow> bundled_rows(const std::string& part) {
  std::vector<MeasuredRow> rows;
  for (const auto& r : load_measured(kData + "/perf/measured.csv")) {
    if (r.source.find(part) != std::string::npos) rows.push_back(r);
  }
  return rows;
}
}

// The accuracy target on every published measurement, with the shipped factors.
TEST(Validate, EveryMeasuredRowIsPredictedWithinTarget) {
  auto cat = Catalog::load(kData);
  auto eff = Efficiency::load(kData + "/perf/efficiency.toml");
  auto map = ValidationMap::load(kData + "/perf/validation.toml");
  auto rows = load_measured(kData + "/perf/measured.csv");
  ASSERT_EQ(rows.size(), 1539u);
  std::vector<Unmodelled> skipped;
  auto preds = predict_measured(rows, cat, eff, map, "measured.csv", &skipped);
  ASSERT_EQ(preds.size() + skipped.size(), rows.size());
  EXPECT_GE(preds.size(), rows.size() * 95 / 100);
  // What stays unmodelled is TTFT that is the backlog of a finite run, never a load form.
  for (const auto& u : skipped) EXPECT_EQ(u.row.metric, "TTFT_avg") << u.row.line << ": " << u.reason;
  for (const auto& p : preds) ASSERT_TRUE(std::isfinite(p.predicted) && p.predicted > 0) << p.row.line;
  auto s = summarize(preds);
  EXPECT_LE(s.median_abs, 0.15);
  EXPECT_LE(s.p90_abs, 0.35);
}

// The error by what a row measures: its load form and metric, across every group.
TEST(Validate, ErrorsAreSummarizedByLoadAndMetric) {
  auto row = [](const char* batch, const char* metric) {
    MeasuredRow r;
    r.load = parse_load(batch);
    r.metric = metric;
    return r;
  };
  EXPECT_EQ(regime_of(row("max (offline)", "output_throughput")), "max / throughput");
  EXPECT_EQ(regime_of(row("8", "TTFT_p50")), "static batch / TTFT");
  EXPECT_EQ(regime_of(row("concurrency 20", "latency_per_token_median")), "concurrency / per-token");
  EXPECT_EQ(regime_of(row("rate 2/s", "ITL_avg")), "rate / per-token");
  EXPECT_EQ(regime_of(row("rate 2/s for 500 requests", "requests_per_s")), "rate / throughput");
  EXPECT_EQ(regime_of(row("burst 500", "e2e_latency_p50")), "burst / request latency");
  // Grouped from the simplest load to the offline maximum; each group's figures are summarize()'s.
  std::vector<Prediction> preds;
  auto add = [&](const char* batch, const char* metric, double error) {
    Prediction p;
    p.row = row(batch, metric);
    p.error = error;
    preds.push_back(p);
  };
  add("max", "output_throughput", 0.1);
  add("max", "output_throughput", -0.3);
  add("8", "TTFT_p50", 0.5);
  add("concurrency 4", "TPOT_p50", -0.2);
  const auto by = summarize_by_regime(preds, 0.25);
  ASSERT_EQ(by.size(), 3u);
  EXPECT_EQ(by[0].regime, "static batch / TTFT");
  EXPECT_EQ(by[1].regime, "concurrency / per-token");
  EXPECT_EQ(by[2].regime, "max / throughput");
  EXPECT_EQ(by[2].error.rows, 2u);
  EXPECT_DOUBLE_EQ(by[2].error.median_abs, 0.2);
  EXPECT_DOUBLE_EQ(by[2].error.max_abs, 0.3);
  EXPECT_DOUBLE_EQ(by[0].error.median_abs, 0.5);
  // The tail counts |error| above the threshold: -0.3 and 0.5 are over 0.25, 0.1 and -0.2 are not.
  EXPECT_EQ(by[0].over_tail, 1u);
  EXPECT_EQ(by[1].over_tail, 0u);
  EXPECT_EQ(by[2].over_tail, 1u);
  // The bundled threshold comes from validation.toml with its source.
  const auto map = ValidationMap::load(kData + "/perf/validation.toml");
  EXPECT_GT(map.tail_error, 0);
  EXPECT_FALSE(map.tail_error_source.empty());
}

// Every form of the batch column; rows the model cannot predict are listed with the reason and
// counted, never dropped, and are an error only when asked (--strict passes no list).
TEST(Validate, BatchFormsAndUnmodelledRowsAreListedNotDropped) {
  auto cat = Catalog::load(kData);
  auto eff = Efficiency::load(kData + "/perf/efficiency.toml");
  auto map = ValidationMap::load(kData + "/perf/validation.toml");
  const std::string path = temp_path("bench_rows.csv");
  {
    std::ofstream f(path);
    f << "model,hardware,instance,precision,tp,batch,input_len,output_len,metric,value,unit,source\n"
         "llama-3.1-8b,unknown,g6e.xlarge,bf16,1,concurrency 4,512,128,TPOT_p50,30,ms,frugal bench http://x 2026-12-03\n"
         "llama-3.1-8b,L40S,g6e.xlarge,BF16,1,batch 8,512,128,TTFT_p50,200,ms,frugal bench http://x 2026-12-03\n"
         "llama-3.1-8b,L40S,g6e.xlarge,bf16,1,max (offline),512,128,output_throughput,3000,tokens/s,frugal bench\n"
         "llama-3.1-8b,L40S,g6e.xlarge,bf16,1,rate 2.5/s,512,128,TTFT_p50,90,ms,frugal bench\n"
         "llama-3.1-8b,L40S,g6e.xlarge,bf16,1,16,512,128,ITL_avg,30,ms,frugal bench\n"
         "llama-3.1-8b,L40S,g6e.xlarge,bf16,1,max,512,128,TTFT_avg,3000,ms,frugal bench\n"
         "llama-3.1-8b,L40S,g6e.xlarge,bf16,1,8,512,128,goodput,3,req/s,frugal bench\n";
  }
  const auto rows = load_measured(path);
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[0].load.kind, Load::Kind::kConcurrency);
  EXPECT_EQ(rows[0].load.value, 4);
  EXPECT_EQ(rows[1].load.kind, Load::Kind::kBatch);
  EXPECT_EQ(rows[1].load.value, 8);
  EXPECT_EQ(rows[2].load.kind, Load::Kind::kMax);
  EXPECT_EQ(rows[3].load.kind, Load::Kind::kRate);  // a rate is not a batch of 25 (an old parser kept its digits)
  EXPECT_DOUBLE_EQ(rows[3].load.value, 2.5);
  EXPECT_EQ(rows[4].load.kind, Load::Kind::kBatch);
  std::vector<Unmodelled> skipped;
  const auto preds = predict_measured(rows, cat, eff, map, path, &skipped);
  ASSERT_EQ(preds.size(), 5u);  // the instance gives the accelerator; the catalog the precision
  EXPECT_EQ(preds[0].accelerator, "L40S");
  EXPECT_EQ(preds[0].stack, eff.default_stack(*cat.find_accelerator("L40S")));
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_NE(skipped[0].reason.find("TTFT at max load"), std::string::npos) << skipped[0].reason;
  EXPECT_NE(skipped[1].reason.find("metric 'goodput'"), std::string::npos) << skipped[1].reason;
  EXPECT_THROW(predict_measured(rows, cat, eff, map, path), Error);  // --strict
  {
    std::ofstream f(path);
    f << "model,hardware,instance,precision,tp,batch,input_len,output_len,metric,value,unit,source\n"
         "llama-3.1-8b,L40S,g6e.xlarge,bf16,1,lots,512,128,TTFT_p50,200,ms,x\n";
  }
  try {
    load_measured(path);
    FAIL() << "a batch of 'lots' was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bench_rows.csv:2:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'rate R/s', 'burst N' or 'max'"), std::string::npos) << e.what();
  }
}

TEST(Validate, UnmappedRowIsAFailureNotASkip) {
  auto cat = Catalog::load(kData);
  auto eff = Efficiency::load(kData + "/perf/efficiency.toml");
  auto map = ValidationMap::load(kData + "/perf/validation.toml");
  MeasuredRow r;
  r.line = 7;
  r.model = "Llama-2-7B";
  r.hardware = "TPU v5e";
  r.precision = "FP16";
  r.metric = "TTFT";
  r.value = 10;
  r.source = "TensorRT-LLM";
  EXPECT_THROW(predict_measured({r}, cat, eff, map, "m.csv"), Error);
}

// Calibration recovers known factors: rows generated by the model with the shipped factors are
// fitted again from a perturbed start.
TEST(Calibrate, RecoversFactorsFromSyntheticMeasurements) {
  auto cat = Catalog::load(kData);
  auto truth = Efficiency::load(kData + "/perf/efficiency.toml");
  auto map = ValidationMap::load(kData + "/perf/validation.toml");
  auto rows = bundled_rows("TensorRT-LLM docs/source/performance.md");
  auto preds = predict_measured(rows, cat, truth, map, "m.csv");
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i].value = preds[i].predicted;

  Efficiency start = truth;
  for (auto& [name, f] : start.families()) {
    if (f.inherits.empty()) {
      f.mem_eff *= 0.7;
      f.compute_eff *= 0.7;
    }
  }
  start.resolve();
  auto before = summarize(predict_measured(rows, cat, start, map, "m.csv"));
  auto fit = calibrate(rows, cat, start, map, "m.csv");
  auto after = summarize(predict_measured(rows, cat, fit, map, "m.csv"));
  EXPECT_GT(before.median_abs, 0.05);
  EXPECT_LT(after.median_abs, 0.02);
  EXPECT_LT(after.p90_abs, before.p90_abs);
}

// A stack's step_overhead_max_ms bounds the fit: rows generated with a 12 ms step overhead are
// fitted to it without the bound and to no more than the bound with it.
TEST(Calibrate, StepOverheadStaysWithinItsDerivedBound) {
  auto cat = Catalog::load(kData);
  auto truth = Efficiency::load(kData + "/perf/efficiency.toml");
  auto map = ValidationMap::load(kData + "/perf/validation.toml");
  auto rows = bundled_rows("TensorRT-LLM docs/source/performance.md");
  ASSERT_GT(rows.size(), 20u);
  auto& trt = truth.stacks().at("trt-llm");
  trt.step_overhead_max_s = 0;
  trt.step_overhead_s = 0.012;
  truth.resolve();
  auto preds = predict_measured(rows, cat, truth, map, "m.csv");
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i].value = preds[i].predicted;

  Efficiency start = truth;
  start.stacks().at("trt-llm").step_overhead_s = 0.002;
  const double unbounded = calibrate(rows, cat, start, map, "m.csv").stack("trt-llm").step_overhead_s;
  EXPECT_NEAR(unbounded, 0.012, 0.003);
  start.stacks().at("trt-llm").step_overhead_max_s = 0.004;
  const double bounded = calibrate(rows, cat, start, map, "m.csv").stack("trt-llm").step_overhead_s;
  EXPECT_LE(bounded, 0.004 * (1 + 1e-9));
  EXPECT_GT(bounded, 0.003);  // the rows still pull it as high as the bound lets it go
}

// A factor the rows barely touch keeps its value instead of drifting wherever the search lands it:
// TGI's rows never make the A10G family's attention compute binding at 0.9 (a 30% move shifts them
// by far less than the floor), so the fit leaves it there while it moves the factors they do need.
// (With no floor the search had taken it to 0.0085, and the advisor priced long prompts on g5 at 1%
// of peak attention.)
TEST(Calibrate, AFactorTheRowsBarelyTouchKeepsItsValue) {
  auto cat = Catalog::load(kData);
  auto start = Efficiency::load(kData + "/perf/efficiency.toml");
  auto map = ValidationMap::load(kData + "/perf/validation.toml");
  const auto rows = bundled_rows("text-generation-inference-tests");
  ASSERT_GT(rows.size(), 100u);
  auto& ga102 = start.families().at("ampere-ga102");
  ga102.attn_eff = 0.9;
  ga102.compute_eff *= 0.7;
  start.resolve();
  const auto fit = calibrate(rows, cat, start, map, "m.csv");
  EXPECT_DOUBLE_EQ(fit.family("ampere-ga102").attn_eff, 0.9);
  EXPECT_NE(fit.family("ampere-ga102").compute_eff, start.family("ampere-ga102").compute_eff);
}

// Rows that share no factor are fitted as separate blocks: adding NVIDIA rows to a fit of the
// Neuron tables leaves the Neuron factors exactly where the Neuron rows alone put them.
TEST(Calibrate, IndependentBlocksDoNotMoveEachOther) {
  auto cat = Catalog::load(kData);
  auto eff = neutral_factors(Efficiency::load(kData + "/perf/efficiency.toml"));
  auto map = ValidationMap::load(kData + "/perf/validation.toml");
  const auto neuron = bundled_rows("latency_data_decoder.csv");
  auto both = neuron;
  for (const auto& r : bundled_rows("TensorRT-LLM docs/source/performance.md")) both.push_back(r);
  ASSERT_GT(both.size(), neuron.size() + 20);
  const auto alone = calibrate(neuron, cat, eff, map, "m.csv");
  const auto together = calibrate(both, cat, eff, map, "m.csv");
  for (const char* fam : {"inferentia2", "trainium1"}) {
    EXPECT_DOUBLE_EQ(alone.family(fam).mem_eff, together.family(fam).mem_eff) << fam;
    EXPECT_DOUBLE_EQ(alone.family(fam).compute_eff, together.family(fam).compute_eff) << fam;
  }
  EXPECT_DOUBLE_EQ(alone.stack("neuronx").step_overhead_s, together.stack("neuronx").step_overhead_s);
  EXPECT_DOUBLE_EQ(alone.stack("neuronx").prefill_overhead_s, together.stack("neuronx").prefill_overhead_s);
  // The NVIDIA rows were fitted too (their family moved off the neutral start).
  EXPECT_NE(together.family("hopper").mem_eff, eff.family("hopper").mem_eff);
}

// The PyTorch backend shares the TensorRT engine's overheads (efficiency.toml): a fit of its rows
// alone moves the owner's overheads, leaves the sharer's equal to them, and still fits the
// sharer's own kernel efficiency (its MoE rows move moe_eff).
TEST(Calibrate, SharedOverheadsAreFittedOnceThroughTheirOwner) {
  auto cat = Catalog::load(kData);
  auto eff = neutral_factors(Efficiency::load(kData + "/perf/efficiency.toml"));
  ASSERT_EQ(eff.stack("trtllm-pytorch").shares_overheads, "trt-llm");
  auto map = ValidationMap::load(kData + "/perf/validation.toml");
  const auto rows = bundled_rows("TensorRT-LLM@03e27c7d");
  ASSERT_GT(rows.size(), 30u);
  const auto fit = calibrate(rows, cat, eff, map, "m.csv");
  const auto& owner = fit.stack("trt-llm");
  const auto& sharer = fit.stack("trtllm-pytorch");
  EXPECT_NE(owner.step_overhead_s, eff.stack("trt-llm").step_overhead_s);
  EXPECT_DOUBLE_EQ(sharer.step_overhead_s, owner.step_overhead_s);
  EXPECT_DOUBLE_EQ(sharer.seq_overhead_s, owner.seq_overhead_s);
  EXPECT_DOUBLE_EQ(sharer.activation_scale, owner.activation_scale);
  EXPECT_NE(sharer.moe_eff, eff.stack("trtllm-pytorch").moe_eff);
}

// Leave-one-source-out: each fold fits without the source it predicts. With the Inferentia2 and
// the Trainium latency tables as the only sources, the Trainium fold has no Trainium rows to fit
// and must predict them through the `similar` family; scores are out of sample, so no better
// than a fit that saw every row.
TEST(CrossValidate, EachSourceIsPredictedByAFitWithoutIt) {
  auto cat = Catalog::load(kData);
  auto eff = Efficiency::load(kData + "/perf/efficiency.toml");
  auto map = ValidationMap::load(kData + "/perf/validation.toml");
  auto rows = bundled_rows("latency_data_decoder.csv");
  ASSERT_GT(rows.size(), 60u);
  const auto cv = cross_validate(rows, cat, eff, map, "m.csv", 2);
  ASSERT_EQ(cv.folds.size(), 2u);
  EXPECT_EQ(cv.total_rows, rows.size());
  EXPECT_EQ(cv.predictions.size() + cv.unmodelled.size(), rows.size());
  bool trn_stand_in = false;
  for (const auto& f : cv.folds) {
    EXPECT_EQ(f.train_rows + f.test_rows, rows.size()) << f.source;
    for (const auto& s : f.stand_ins) trn_stand_in |= s == "family trainium1 -> inferentia2";
  }
  EXPECT_TRUE(trn_stand_in);
  const auto in_sample = summarize(predict_measured(rows, cat, calibrate(rows, cat, neutral_factors(eff), map, "m.csv"), map, "m.csv"));
  const auto out_of_sample = summarize(cv.predictions);
  EXPECT_GT(out_of_sample.median_abs, in_sample.median_abs);
  EXPECT_GT(out_of_sample.median_abs, 0.0);
}

// --leave-out runs only the chosen sources' folds, each still fitted on every other source: the
// Trainium fold alone predicts exactly what it predicts inside the full run, and total_rows counts
// only its rows. A text that matches no source is an error, not an empty run.
TEST(CrossValidate, LeaveOutRunsOnlyTheChosenFolds) {
  auto cat = Catalog::load(kData);
  auto eff = Efficiency::load(kData + "/perf/efficiency.toml");
  auto map = ValidationMap::load(kData + "/perf/validation.toml");
  auto rows = bundled_rows("latency_data_decoder.csv");
  const auto all = cross_validate(rows, cat, eff, map, "m.csv", 2);
  const auto trn = cross_validate(rows, cat, eff, map, "m.csv", 1, {}, nullptr, {"benchmarks/trn1/"});
  ASSERT_EQ(trn.folds.size(), 1u);
  EXPECT_NE(trn.folds[0].source.find("benchmarks/trn1/"), std::string::npos);
  EXPECT_EQ(trn.total_rows, trn.folds[0].test_rows + trn.unmodelled.size());
  EXPECT_LT(trn.total_rows, rows.size());
  std::size_t matched = 0;
  for (const auto& p : all.predictions) {
    if (p.row.source != trn.folds[0].source) continue;
    const auto it = std::find_if(trn.predictions.begin(), trn.predictions.end(),
                                 [&](const Prediction& q) { return q.row.line == p.row.line && q.row.metric == p.row.metric; });
    ASSERT_NE(it, trn.predictions.end());
    EXPECT_DOUBLE_EQ(it->predicted, p.predicted);
    ++matched;
  }
  EXPECT_EQ(matched, trn.predictions.size());
  EXPECT_THROW(cross_validate(rows, cat, eff, map, "m.csv", 1, {}, nullptr, {"no such source"}), Error);
}

// The spellings measurement files use resolve without a mapping file.
TEST(Validate, CommonSpellingsResolveWithoutAMapping) {
  auto cat = Catalog::load(kData);
  auto eff = Efficiency::load(kData + "/perf/efficiency.toml");
  const ValidationMap none;  // no overrides at all
  auto hw = [&](const char* text, const char* instance = "") {
    const Accelerator* a = resolve_hardware(cat, none, text, instance);
    return a ? a->id : std::string("none");
  };
  EXPECT_EQ(hw("H100-SXM-80GB"), "H100-80GB");
  EXPECT_EQ(hw("H100 80GB HBM3"), "H100-80GB");
  EXPECT_EQ(hw("H200-SXM-141GB"), "H200-141GB");
  EXPECT_EQ(hw("H200 131GB HBM3"), "H200-141GB");  // the nearest part by memory
  EXPECT_EQ(hw("A100-SXM4-40GB"), "A100-40GB");
  EXPECT_EQ(hw("A100-SXM4-80GB"), "A100-80GB");
  EXPECT_EQ(hw("Trainium2"), "Trainium2-core");
  EXPECT_EQ(hw("Trainium (trn1)"), "Trainium-core");
  EXPECT_EQ(hw("Inferentia2"), "Inferentia2-core");
  EXPECT_EQ(hw("NVIDIA L40S"), "L40S");
  EXPECT_EQ(hw("B200 180GB"), "B200-180GB");
  EXPECT_EQ(hw("unknown", "g5.2xlarge"), "A10G");  // the instance's accelerator
  EXPECT_EQ(hw("TPU v5e"), "none");
  auto prec = [&](const char* text) {
    const Precision* p = resolve_precision(cat, none, text);
    return p ? p->name : std::string("none");
  };
  EXPECT_EQ(prec("FP16"), "fp16");
  EXPECT_EQ(prec("BF16"), "bf16");
  EXPECT_EQ(prec("FP8 (E4M3)"), "fp8");
  EXPECT_EQ(prec("INT8"), "int8");
  EXPECT_EQ(prec("AWQ"), "int4");
  EXPECT_EQ(prec("GPTQ-int4"), "int4");
  EXPECT_EQ(prec("FP16/autocast Matmult-BF16/weights int8"), "int8");  // Neuron: the stored weights decide
  EXPECT_EQ(prec("FP16/autocast Matmult-BF16/weights bf16"), "bf16");
  // NVFP4 checkpoints pair 4-bit weights with an FP8 cache: the 4 bits decide. gpt-oss's MXFP4 on
  // Hopper runs weight-only (W4A16), which is int4's kernel path.
  EXPECT_EQ(prec("NVFP4 (FP4 checkpoint); column header FP4"), "fp4");
  EXPECT_EQ(prec("NVFP4, FP8 KV"), "fp4");
  EXPECT_EQ(prec("MXFP4 experts, W4A16 (Triton MoE), BF16 KV; column header FP8"), "int4");
  EXPECT_EQ(prec("mystery"), "none");
  EXPECT_EQ(resolve_stack(eff, none, "NVIDIA/TensorRT-LLM docs (tensorrtllm_backend, Triton)"), "trtllm-triton");
  EXPECT_EQ(resolve_stack(eff, none, "NVIDIA/TensorRT-LLM perf-overview"), "trt-llm");
  // From v0.19 NVIDIA's tables ran the PyTorch backend, another engine with its own overheads.
  EXPECT_EQ(resolve_stack(eff, none, "NVIDIA/TensorRT-LLM v0.20.0 perf-overview (trtllm-bench throughput, PyTorch backend)"),
            "trtllm-pytorch");
  EXPECT_EQ(resolve_stack(eff, none, "aws-neuron/aws-neuron-sdk benchmarks"), "neuronx");
  EXPECT_EQ(resolve_stack(eff, none, "frugal bench http://x"), "");
}

// `advise --stack` swaps the engine assumed on NVIDIA GPUs; Neuron devices keep theirs, and a name
// that is not a GPU stack is refused with the ones that are.
TEST(Efficiency, AdviseStackReplacesTheGpuDefaultOnly) {
  auto cat = Catalog::load(kData);
  auto eff = Efficiency::load(kData + "/perf/efficiency.toml");
  const auto& h100 = *cat.find_accelerator("H100-80GB");
  const auto& inf2 = *cat.find_accelerator("Inferentia2-core");
  EXPECT_EQ(eff.default_stack(h100), "trt-llm");
  eff.use_gpu_stack("trtllm-pytorch");
  EXPECT_EQ(eff.default_stack(h100), "trtllm-pytorch");
  EXPECT_EQ(eff.default_stack(inf2), "neuronx");
  try {
    eff.use_gpu_stack("vllm-9");
    FAIL() << "an unknown stack was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected one of: tgi-v1, trt-llm, trtllm-pytorch, trtllm-triton"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(eff.use_gpu_stack("neuronx"), Error);
  EXPECT_EQ(eff.default_stack(h100), "trtllm-pytorch");  // a refused name changes nothing
}

// The independent check (data/perf/independent_check.csv) is other publishers' runs that no fit
// ever sees: none of its sources may appear in measured.csv, every row must be predictable
// (--strict), and each is scored with the stack the advisor assumes on its hardware: neuronx for
// the optimum-neuron runs (not GPU TGI), trt-llm for the NIM runs on H100.
TEST(Validate, IndependentCheckIsNeverFittedAndFullyPredicted) {
  auto cat = Catalog::load(kData);
  auto eff = Efficiency::load(kData + "/perf/efficiency.toml");
  auto map = ValidationMap::load(kData + "/perf/validation.toml");
  const auto check = load_measured(kData + "/perf/independent_check.csv");
  ASSERT_EQ(check.size(), 51u);
  std::set<std::string> fitted;
  for (const auto& r : load_measured(kData + "/perf/measured.csv")) fitted.insert(r.source);
  std::set<std::string> families;
  std::size_t nim = 0;
  for (const auto& r : check) {
    EXPECT_EQ(fitted.count(r.source), 0u) << "line " << r.line << " is also in measured.csv";
    const ResolvedRow x = resolve_row(r, cat, eff, map);
    ASSERT_TRUE(x.error.empty()) << r.line << ": " << x.error;
    const bool is_nim = r.source.find("docs.nvidia.com/nim") != std::string::npos;
    nim += is_nim ? 1 : 0;
    EXPECT_EQ(x.stack, is_nim ? "trt-llm" : "neuronx") << r.line;
    families.insert(x.accelerator->family);
  }
  EXPECT_EQ(nim, 27u);
  EXPECT_EQ(families, (std::set<std::string>{"inferentia2", "trainium2", "hopper"}));
  // No map entry: the TGI rows would read as the GPU stack, which is why validation.toml has one.
  EXPECT_EQ(resolve_stack(eff, ValidationMap{}, check.front().source), "tgi-v1");
  const auto preds = predict_measured(check, cat, eff, map, "independent_check.csv", nullptr);  // throws on any row
  ASSERT_EQ(preds.size(), check.size());
  for (const auto& p : preds) EXPECT_TRUE(std::isfinite(p.error)) << p.row.line;
}

// The bias threshold is a probability, read from validation.toml with its source.
TEST(Validate, TheIndependentBiasThresholdIsAProbability) {
  std::ifstream in(kData + "/perf/validation.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto ok = ValidationMap::load(kData + "/perf/validation.toml");
  EXPECT_GT(ok.independent_bias_p, 0);
  EXPECT_FALSE(ok.independent_bias_source.empty());
  const std::string key = "independent_bias_p = ";
  const auto at = text.find(key);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, text.find('\n', at) - at, key + "5");
  const std::string bad = write_temp("frugal_bad_validation.toml", text);
  try {
    ValidationMap::load(bad);
    FAIL() << "a bias threshold of 5 loaded";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(bad + ":"), std::string::npos) << what;
    EXPECT_NE(what.find("independent_bias_p in (0, 1)"), std::string::npos) << what;
  }
}
