// `frugal advise`: the cheapest way to run a given model.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "advise/advisor.h"
#include "advise/compare_seed.h"
#include "cli/advise_render.h"
#include "cli/catalog_open.h"
#include "cli/common.h"
#include "perf/accuracy.h"
#include "perf/calibration.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/units.h"

namespace frugal::cli {
namespace {

struct AdviseOptions {
  std::string model, task = "serve", rate, tpot_slo, ttft_slo, latency_slo, tokens, deadline, workloads;
  std::string region, profile, headroom, ri_class, upfront, calibration, stack;
  double prompt = 0, output = 0, seq_len = 0;
  CLI::Option* seq_len_opt = nullptr;
  CLI::Option* prompt_opt = nullptr;  // given on the command line? (else the data defaults apply)
  CLI::Option* output_opt = nullptr;
  std::vector<std::string> precision, purchase, instances;
  bool explain = false, compare_seed = false;
  int top = 0;
};

Workload workload_from(const AdviseOptions& o) {
  Workload w;
  w.model = o.model;
  w.name = o.model;
  w.task = parse_task(o.task, "--task");
  if (o.prompt_opt->count()) w.prompt_tokens = o.prompt;
  if (o.output_opt->count()) w.output_tokens = o.output;
  if (!o.rate.empty()) w.rate_rps = parse_rate(o.rate, "--rate");
  if (!o.tpot_slo.empty()) w.tpot_slo_s = parse_duration(o.tpot_slo, "--tpot-slo");
  if (!o.ttft_slo.empty()) w.ttft_slo_s = parse_duration(o.ttft_slo, "--ttft-slo");
  if (!o.latency_slo.empty()) w.latency_slo_s = parse_duration(o.latency_slo, "--latency-slo");
  if (!o.tokens.empty()) w.train_tokens = parse_count(o.tokens, "--tokens");
  if (!o.deadline.empty()) w.deadline_s = parse_duration(o.deadline, "--deadline");
  if (o.seq_len_opt->count()) w.seq_len = o.seq_len;  // advise() refuses a non-positive or NaN length
  w.precisions = o.precision;
  w.purchase = o.purchase;
  w.instances = o.instances;
  if (!o.headroom.empty()) w.headroom = parse_fraction(o.headroom, "--headroom");
  w.ri_class = o.ri_class;
  w.upfront = o.upfront;
  if (w.task == Task::kTrain && w.train_tokens <= 0) throw Error("--tokens: training needs the number of tokens, e.g. --tokens 2e9");
  return w;
}

// The factors advise prices with: the named calibration's (or the bundled ones), with `gpu_stack`
// (--stack) as the engine on NVIDIA GPUs when given.
Efficiency advise_efficiency(const std::string& dir, const std::string& calibration, const std::string& gpu_stack) {
  auto eff = Efficiency::load(efficiency_path(dir, calibration));
  if (gpu_stack.empty()) return eff;
  try {
    eff.use_gpu_stack(gpu_stack);
  } catch (const Error& e) {
    throw Error(fmt::format("--stack: {}", e.what()));
  }
  return eff;
}

}  // namespace

// Runs advise for `workloads` and renders them all (used by `advise` and `demo`). `region`: the
// --region flag (empty: the AWS conventions); a workload's own `region` wins. Throws
// NoResultError after printing when a workload has no feasible configuration.
void run_advice(const GlobalOptions& g, const std::vector<Workload>& workloads, int top, bool explain,
                const std::string& region, const std::string& profile, const std::string& calibration,
                const std::string& gpu_stack) {
  const std::string dir = resolve_data_dir(g.data_dir);
  auto cat = open_catalog(dir);
  auto eff = advise_efficiency(dir, calibration, gpu_stack);
  auto defaults = AdviseDefaults::load(dir + "/advise/defaults.toml");
  const auto accuracy = load_accuracy(dir, calibration);
  const auto check = independent_check(dir, cat, eff);
  AdvisorContext ctx{&cat, &eff, &defaults};
  if (top <= 0) top = defaults.top;
  std::vector<Table> tables;
  nlohmann::json j = nlohmann::json::array();
  std::vector<std::string> empty;
  std::optional<PricingRegions> cli_regions;
  for (const auto& w : workloads) {
    PricingRegions pr;
    if (!w.regions.empty()) {
      std::string list;
      for (const auto& r : w.regions) list += (list.empty() ? "" : ",") + r;
      pr = pricing_regions(list, profile, cat);
      pr.from = "the workload's region";
    } else {
      if (!cli_regions) cli_regions = pricing_regions(region, profile, cat);
      pr = *cli_regions;
    }
    auto a = advise_regions(w, cat, ctx, pr.regions);
    a.region_from = pr.from;
    if (a.ranked.empty()) empty.push_back(w.name);
    auto ts = advice_tables(a, top, explain || a.ranked.empty());
    if (!gpu_stack.empty() && !ts.empty()) {
      ts.front().notes.push_back(fmt::format("NVIDIA GPUs priced on stack '{}' (--stack, instead of the assumed one): {}",
                                             gpu_stack, eff.stack(gpu_stack).description));
    }
    if (!calibration.empty() && !ts.empty()) {
      ts.front().notes.push_back(fmt::format("performance factors from calibration '{}': {}", calibration,
                                             eff.fit_note.empty() ? eff.path : eff.fit_note));
    }
    const auto acc_note = top_choice_accuracy(a, accuracy ? &*accuracy : nullptr, check ? &*check : nullptr, eff.path);
    if (acc_note && !ts.empty()) ts.front().notes.push_back("Top choice's " + acc_note->text);
    for (auto& t : ts) tables.push_back(std::move(t));
    j.push_back(advice_json(a, top));
    if (acc_note) j.back()["accuracy"] = acc_note->to_json();
    if (!calibration.empty()) j.back()["calibration"] = {{"name", calibration}, {"path", eff.path}, {"note", eff.fit_note}};
    if (a.ranked.empty() && a.fewest_instances_needed > 0) {
      j.back()["would_take"] = {{"instances", a.fewest_instances_needed}, {"instance_type", a.fewest_instances_type}};
    }
  }
  emit(g, tables, workloads.size() == 1 ? j[0] : nlohmann::json{{"workloads", j}});
  if (!empty.empty()) {
    std::string names;
    for (const auto& n : empty) names += (names.empty() ? "" : ", ") + n;
    throw NoResultError(fmt::format("no feasible configuration for {} (the rejections are printed above)", names));
  }
}

void run_compare_seed(const GlobalOptions& g, std::optional<double> prompt_tokens, std::optional<double> output_tokens,
                      const std::string& calibration, const std::string& gpu_stack) {
  const std::string dir = resolve_data_dir(g.data_dir);
  auto cat = open_catalog(dir);
  auto eff = advise_efficiency(dir, calibration, gpu_stack);
  auto defaults = AdviseDefaults::load(dir + "/advise/defaults.toml");
  const double prompt = prompt_tokens.value_or(defaults.prompt_tokens);
  const double output = output_tokens.value_or(defaults.output_tokens);
  AdvisorContext ctx{&cat, &eff, &defaults};
  auto rows = compare_seed(ctx, dir + "/advise/seed_claims.csv", prompt, output);
  emit(g, {seed_table(rows, prompt, output)}, seed_json(rows));
}

void register_advise(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<AdviseOptions>();
  auto* c = app.add_subcommand("advise", "Recommend instance, precision, parallelism and purchase option for a model");
  c->add_option("--model", o->model, "Model name or alias (frugal catalog models)");
  c->add_option("--task", o->task, "serve or train")->check(CLI::IsMember({"serve", "train", "inference", "training"}));
  o->prompt_opt = c->add_option("--prompt-tokens", o->prompt, "Prompt tokens per request (serving; default 512, encoders their own)")
                      ->check(CLI::Range(1.0, 1e7));
  o->output_opt = c->add_option("--output-tokens", o->output, "Output tokens per request (serving; default 256)")
                      ->check(CLI::Range(1.0, 1e7));
  c->add_option("--rate", o->rate, "Request rate, e.g. 5/s, 300/min (serving)");
  c->add_option("--tpot-slo", o->tpot_slo, "Max time per output token, e.g. 100ms");
  c->add_option("--ttft-slo", o->ttft_slo, "Max time to first token, e.g. 2s");
  c->add_option("--latency-slo", o->latency_slo, "Max request latency (encoders, vision), e.g. 50ms");
  c->add_option("--tokens", o->tokens, "Training tokens, e.g. 2e9");
  c->add_option("--deadline", o->deadline, "Training deadline, e.g. 7d");
  o->seq_len_opt = c->add_option("--seq-len", o->seq_len, "Training sequence length (default from data/advise/defaults.toml)");
  c->add_option("--precision", o->precision, "Precisions to consider: fp32,fp16,bf16,fp8,fp4,int8,int4 or all (fp4: NVFP4, Blackwell only)")->delimiter(',');
  c->add_option("--purchase", o->purchase,
                "Purchase options: on-demand,spot,ri-1y,ri-3y,sp-1y,sp-3y,capacity-block,sagemaker (default: all)")
      ->delimiter(',');
  c->add_option("--region", o->region,
                "Region to price, a comma-separated list, or 'all' (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, "
                "instance metadata, else us-east-1)");
  c->add_option("--profile", o->profile, "AWS profile whose region to use (no credentials are needed)");
  c->add_option("--calibration", o->calibration,
                "Use the performance factors fitted to your own measurements (frugal perf calibrate FILE --calibration NAME)");
  c->add_option("--stack", o->stack,
                "Serving stack on NVIDIA GPUs, e.g. trtllm-pytorch (default: trt-llm, a TensorRT engine; Neuron keeps neuronx)");
  c->add_option("--headroom", o->headroom, "Memory and latency kept in reserve, e.g. 10% or 0 (default in data/advise/defaults.toml)");
  c->add_option("--ri-class", o->ri_class, "Reserved Instance class for ri-1y/ri-3y rows")->check(CLI::IsMember({"standard", "convertible"}));
  c->add_option("--upfront", o->upfront, "Payment option for ri-*/sp-* rows")
      ->check(CLI::IsMember({"no-upfront", "partial-upfront", "all-upfront"}));
  c->add_option("--instances", o->instances, "Only these instance types or families, e.g. p5,g6e.xlarge")->delimiter(',');
  c->add_option("--workloads", o->workloads, "TOML file with [[workload]] tables (see examples/workloads.toml)");
  c->add_option("--top", o->top, "Rows to show per workload")->check(CLI::Range(1, 1000));
  c->add_flag("--explain", o->explain, "Show why the top choice won and why other instance types were rejected");
  c->add_flag("--compare-seed", o->compare_seed, "Print ms/token at batch 1 for DeepSeek 7B/67B and LLaMA 65B on A100, H100, Inferentia2, Trainium");
  c->callback([&g, o] {
    if (o->compare_seed) {
      return run_compare_seed(g, o->prompt_opt->count() ? std::optional(o->prompt) : std::nullopt,
                              o->output_opt->count() ? std::optional(o->output) : std::nullopt, o->calibration, o->stack);
    }
    std::vector<Workload> ws;
    if (!o->workloads.empty()) {
      if (!o->model.empty()) throw Error("--workloads and --model are exclusive");
      ws = load_workloads(o->workloads);
    } else {
      if (o->model.empty()) throw Error("--model is required (or --workloads FILE, or --compare-seed)");
      ws.push_back(workload_from(*o));
    }
    run_advice(g, ws, o->top, o->explain, o->region, o->profile, o->calibration, o->stack);
  });
}

}  // namespace frugal::cli
