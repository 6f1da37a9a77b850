// `frugal bench`: measure a real OpenAI-compatible streaming endpoint at a sweep of load levels,
// price its tokens, and write the measurements as rows `frugal perf validate|calibrate` read.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <strings.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>

#include "aws/config.h"
#include "aws/environment.h"
#include "aws/sigv4.h"
#include "catalog/catalog.h"
#include "cli/catalog_open.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/output.h"
#include "core/units.h"
#include "loadgen/measured_rows.h"
#include "loadgen/runner.h"
#include "loadgen/summary.h"
#include "telemetry/pricing.h"

namespace frugal::cli {
namespace {

struct BenchOptions {
  std::string sagemaker_endpoint, profile, endpoint_url;
  std::string url, api, model, concurrency, rate, duration, timeout = "300s", out;
  std::vector<std::string> headers;
  std::string prompt_tokens = "512", output_tokens = "128";
  int requests = 0;
  int warmup = 0;  // requests sent at concurrency 1 before the first level, not measured
  std::string instance_type, region, purchase = "on-demand", precision, hardware;
  std::optional<double> price_per_hour;
  int tp = 0;
  std::uint64_t seed = 1;
};

std::vector<double> parse_list(const std::string& text, const char* flag, bool rate) {
  std::vector<double> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    const auto comma = text.find(',', at);
    const std::string item = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    const double v = rate ? parse_rate(item, flag) : parse_count(item, flag);
    if (!(v > 0)) throw Error(fmt::format("{} '{}': must be > 0", flag, item));
    if (!rate && v != static_cast<double>(static_cast<long>(v))) throw Error(fmt::format("{} '{}': a whole number of requests in flight", flag, item));
    out.push_back(v);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

std::string ms(double s) { return fmt::format("{:.1f}", s * 1e3); }

// SageMaker real-time endpoint: InvokeEndpointWithResponseStream, each request signed (SigV4,
// service "sagemaker") with the credentials and region the AWS CLI would use.
void target_sagemaker(loadgen::Target& target, const BenchOptions& o) {
  static aws::SystemEnvironment env;
  aws::AwsOptions ao{o.profile, o.region, o.endpoint_url};
  auto cfg = std::make_shared<aws::AwsConfig>(aws::resolve_config(ao, env));
  std::string base = cfg->endpoint("sagemaker-runtime");
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string path = "/endpoints/" + aws::uri_encode(o.sagemaker_endpoint, false) + "/invocations-response-stream";
  target.url = base + path;
  target.framing = loadgen::Framing::kAwsEventStream;
  std::string host = base.substr(base.find("://") == std::string::npos ? 0 : base.find("://") + 3);
  host = host.substr(0, host.find('/'));
  target.sign = [cfg, host, path](const std::string& body) {
    aws::HttpRequest req;
    req.method = "POST";
    req.path = path;
    req.headers = {{"Host", host}, {"Content-Type", "application/json"}};
    req.body = body;
    aws::SigningParams p;
    p.region = cfg->region;
    p.service = "sagemaker";
    p.time = std::time(nullptr);
    aws::sign_request(req, cfg->credentials, p);
    std::vector<std::string> out;
    for (const auto& [name, value] : req.headers) {
      if (strcasecmp(name.c_str(), "host") != 0 && strcasecmp(name.c_str(), "content-type") != 0) out.push_back(name + ": " + value);
    }
    return out;
  };
}

void run_bench(const GlobalOptions& g, const BenchOptions& o) {
  loadgen::Target target;
  if (o.sagemaker_endpoint.empty() == o.url.empty()) throw Error("give --url or --sagemaker-endpoint (one of them)");
  target.url = o.url;
  if (o.api.empty()) {
    target.api = !o.sagemaker_endpoint.empty()                          ? loadgen::Api::kTgi
                 : o.url.find("/chat/completions") != std::string::npos ? loadgen::Api::kChat
                                                                        : loadgen::Api::kCompletions;
  } else {
    target.api = o.api == "chat" ? loadgen::Api::kChat : o.api == "tgi" ? loadgen::Api::kTgi : loadgen::Api::kCompletions;
  }
  if (!o.sagemaker_endpoint.empty()) target_sagemaker(target, o);
  target.headers = o.headers;
  bool has_auth = false;
  for (const auto& h : o.headers) {
    if (h.find(':') == std::string::npos) throw Error(fmt::format("--header '{}': expected 'Name: value'", h));
    has_auth |= h.size() > 14 && strncasecmp(h.c_str(), "authorization:", 14) == 0;
  }
  if (const char* key = std::getenv("OPENAI_API_KEY"); key && *key && !has_auth) {
    target.headers.push_back(fmt::format("Authorization: Bearer {}", key));
  }
  target.timeout_s = parse_duration(o.timeout, "--timeout");
  if (!(target.timeout_s > 0)) throw Error("--timeout: must be > 0");
  std::vector<loadgen::Load> levels;
  loadgen::Load base;
  base.requests = o.requests;
  base.duration_s = o.duration.empty() ? 0 : parse_duration(o.duration, "--duration");
  base.seed = o.seed;
  if (base.requests == 0 && base.duration_s == 0) base.requests = 64;
  auto add_levels = [&](const std::string& list, const char* flag, loadgen::Load::Kind kind) {
    if (list.empty()) return;
    for (double v : parse_list(list, flag, kind == loadgen::Load::kRate)) {
      loadgen::Load l = base;
      l.kind = kind;
      l.value = v;
      levels.push_back(l);
    }
  };
  add_levels(o.concurrency, "--concurrency", loadgen::Load::kConcurrency);
  add_levels(o.rate, "--rate", loadgen::Load::kRate);
  if (levels.empty()) {
    loadgen::Load l = base;
    l.value = 1;
    levels.push_back(l);
  }
  // The price of the instance the endpoint runs on, when told.
  double hourly = 0;
  std::string price_note = "no price: pass --instance-type (and --region, --purchase) or --price-per-hour";
  std::string hardware = o.hardware;
  int tp = o.tp;
  if (!o.instance_type.empty() || o.price_per_hour) {
    const std::string data_dir = resolve_data_dir(g.data_dir);
    Catalog catalog = open_catalog(data_dir);
    const auto regions = pricing_regions(o.region, "", catalog);
    if (regions.regions.size() != 1) throw Error("--region: bench prices one region");
    catalog.select_region(regions.regions[0]);
    const auto price = telemetry::gpu_price(catalog, o.instance_type, o.purchase, o.price_per_hour, 0);
    hourly = price.instance_hourly;
    price_note = hourly > 0 ? fmt::format("$/1M output tokens at ${:.4f}/h ({})", hourly, price.note) : price.note;
    if (const InstanceType* inst = catalog.find_instance(o.instance_type)) {
      if (hardware.empty() && inst->accelerator) hardware = inst->accelerator->id;
      if (tp == 0) tp = inst->devices;
    }
  }
  const auto prompt_dist = loadgen::LengthDist::parse(o.prompt_tokens, "--prompt-tokens");
  const auto output_dist = loadgen::LengthDist::parse(o.output_tokens, "--output-tokens");
  loadgen::RequestShape shape;
  shape.model = o.model;
  shape.prompt_tokens = static_cast<int>(std::lround(prompt_dist.mean()));
  shape.output_tokens = static_cast<int>(std::lround(output_dist.mean()));
  if (prompt_dist.kind != loadgen::LengthDist::Kind::kFixed) shape.prompt_lengths = prompt_dist;
  if (output_dist.kind != loadgen::LengthDist::Kind::kFixed) shape.output_lengths = output_dist;
  // Warm-up: a server's first requests can pay one-time costs (CUDA graph capture, kernel
  // autotuning, lazy weight paging) that no later request sees; they would skew the first level.
  std::string warmup_note;
  if (o.warmup > 0) {
    loadgen::Load w;
    w.kind = loadgen::Load::kConcurrency;
    w.value = 1;
    w.requests = o.warmup;
    TerminalProgress display("bench warm-up");
    auto progress = [&](int done, int started) { display.update(done, 0, fmt::format("done, {} in flight", started - done)); };
    const auto level = loadgen::run_level(target, shape, w, progress);
    int failed = 0;
    for (const auto& r : level.requests) failed += r.ok() ? 0 : 1;
    warmup_note = fmt::format("warm-up: {} request{} at concurrency 1 before the first level, not measured ({} failed)", o.warmup,
                              o.warmup == 1 ? "" : "s", failed);
  }
  std::vector<loadgen::LevelSummary> summaries;
  for (const auto& l : levels) {
    TerminalProgress display(fmt::format("bench {}", loadgen::level_name(l)));
    auto progress = [&](int done, int started) { display.update(done, 0, fmt::format("done, {} in flight", started - done)); };
    const auto level = loadgen::run_level(target, shape, l, progress);
    summaries.push_back(loadgen::summarize(level, hourly));
  }
  Table t;
  const std::string where = o.sagemaker_endpoint.empty() ? o.url : "SageMaker endpoint " + o.sagemaker_endpoint;
  t.title = fmt::format("{} at {} ({} prompt words, {} output tokens per request)", o.model, where, prompt_dist.describe(),
                        output_dist.describe());
  t.columns = {{"level", "level"},
               {"requests", "requests", true},
               {"errors", "errors", true},
               {"ttft_p50_ms", "TTFT p50 ms", true},
               {"ttft_p99_ms", "TTFT p99 ms", true},
               {"tpot_p50_ms", "TPOT p50 ms", true},
               {"tpot_p99_ms", "TPOT p99 ms", true},
               {"itl_p99_ms", "ITL p99 ms", true},
               {"e2e_p50_s", "e2e p50 s", true},
               {"output_tokens_per_s", "out tok/s", true},
               {"requests_per_s", "req/s", true},
               {"usd_per_million_output_tokens", "$/1M out", true}};
  int errors = 0, server_counted = 0, ok = 0;
  for (const auto& s : summaries) {
    auto num = [](double v, const std::string& text) { return Cell(text, v); };
    auto opt = [&](const loadgen::Percentiles& p, double v) { return p.n ? num(v * 1e3, ms(v)) : Cell("-", nullptr); };
    t.rows.push_back({loadgen::level_name(s.load), num(s.requests, std::to_string(s.requests)), num(s.errors, std::to_string(s.errors)),
                      opt(s.ttft_s, s.ttft_s.p50), opt(s.ttft_s, s.ttft_s.p99), opt(s.tpot_s, s.tpot_s.p50), opt(s.tpot_s, s.tpot_s.p99),
                      opt(s.itl_s, s.itl_s.p99),
                      s.e2e_s.n ? num(s.e2e_s.p50, fmt::format("{:.2f}", s.e2e_s.p50)) : Cell("-", nullptr),
                      num(s.output_tokens_per_s, fmt::format("{:.1f}", s.output_tokens_per_s)),
                      num(s.requests_per_s, fmt::format("{:.2f}", s.requests_per_s)),
                      s.cost_per_million_output >= 0 ? num(s.cost_per_million_output, fmt::format("{:.3f}", s.cost_per_million_output))
                                                     : Cell("-", nullptr)});
    errors += s.errors;
    ok += s.ok;
    server_counted += s.server_counted;
    for (const auto& e : s.first_errors) t.notes.push_back(fmt::format("{}: {}", loadgen::level_name(s.load), e));
  }
  t.notes.push_back(price_note);
  if (!warmup_note.empty()) t.notes.push_back(warmup_note);
  if (ok > 0) t.notes.push_back(server_counted == ok ? "output tokens: the server's usage counts"
                                         : fmt::format("output tokens: the server's usage on {} of {} requests, else one per streamed piece",
                                                       server_counted, ok));
  t.notes.push_back("TTFT from sending the request to the first streamed text; TPOT = (last - first piece) / (tokens - 1); ITL between pieces");
  if (!o.out.empty()) {
    char when[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    loadgen::RowContext ctx{o.model, hardware.empty() ? "unknown" : hardware, o.instance_type.empty() ? "unknown" : o.instance_type,
                            o.precision.empty() ? "unknown" : o.precision, tp > 0 ? tp : 1, shape.prompt_tokens, shape.output_tokens,
                            fmt::format("frugal bench {} {}{}", o.sagemaker_endpoint.empty() ? o.url : "sagemaker:" + o.sagemaker_endpoint, when,
                                        shape.prompt_lengths || shape.output_lengths
                                            ? fmt::format(" (lengths drawn per request: prompt {}, output {}; input_len/output_len are their means)",
                                                          prompt_dist.describe(), output_dist.describe())
                                            : "")};
    write_file_atomic(o.out, loadgen::measured_csv(summaries, ctx));
    t.notes.push_back(fmt::format("measurements written to {} (frugal perf validate {})", o.out, o.out));
  }
  emit(g, {t}, t.to_json());
  if (ok == 0) throw Error(fmt::format("every request failed ({} errors); first: {}", errors,
                                       summaries.empty() || summaries[0].first_errors.empty() ? "?" : summaries[0].first_errors[0]));
}

}  // namespace

void register_bench(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<BenchOptions>();
  auto* b = app.add_subcommand("bench", "Measure a streaming OpenAI-compatible endpoint at a sweep of loads; price its tokens");
  b->add_option("--url", o->url, "Endpoint, e.g. http://localhost:8000/v1/completions or .../v1/chat/completions");
  b->add_option("--sagemaker-endpoint", o->sagemaker_endpoint,
                "A SageMaker real-time endpoint instead of --url (InvokeEndpointWithResponseStream, SigV4)");
  b->add_option("--api", o->api, "completions, chat, or tgi ({\"inputs\", \"parameters\"}: TGI/LMI; the default for SageMaker)")
      ->check(CLI::IsMember({"completions", "chat", "tgi"}));
  b->add_option("--model", o->model, "The model name the endpoint serves (recorded in the rows; sent in OpenAI bodies)")->required();
  b->add_option("--profile", o->profile, "AWS profile for --sagemaker-endpoint (default: AWS_PROFILE or default)");
  b->add_option("--endpoint-url", o->endpoint_url, "SageMaker runtime endpoint URL (e.g. a local server); default: AWS conventions");
  b->add_option("--prompt-tokens", o->prompt_tokens,
                "Prompt length in words (about one token each): N, uniform:A-B or normal:MEAN,SD (default 512)");
  b->add_option("--output-tokens", o->output_tokens, "Output tokens per request: N, uniform:A-B or normal:MEAN,SD (default 128)");
  b->add_option("--concurrency", o->concurrency, "Closed-loop levels: requests in flight, e.g. 1,4,16,64");
  b->add_option("--rate", o->rate, "Open-loop levels: Poisson arrivals, e.g. 1/s,5/s");
  b->add_option("--requests", o->requests, "Requests per level (default 64 unless --duration)")->check(CLI::Range(1, 10000000));
  b->add_option("--duration", o->duration, "Time per level, e.g. 60s (requests started until then)");
  b->add_option("--timeout", o->timeout, "Per-request timeout (default 300s)");
  b->add_option("--warmup", o->warmup, "Requests sent one at a time before the first level and not measured (default 0)")
      ->check(CLI::Range(0, 100000));
  b->add_option("--header", o->headers, "Extra header 'Name: value' (repeatable); $OPENAI_API_KEY sets Authorization");
  b->add_option("--instance-type", o->instance_type, "EC2 instance the endpoint runs on: prices the tokens");
  b->add_option("--region", o->region, "Region of the SageMaker endpoint and of the prices (default: AWS conventions, else us-east-1)");
  b->add_option("--purchase", o->purchase, "on-demand or spot")->check(CLI::IsMember({"on-demand", "spot"}));
  b->add_option("--price-per-hour", o->price_per_hour, "Your own hourly price for the instance")->check(CLI::PositiveNumber);
  b->add_option("--precision", o->precision, "Precision the endpoint serves at (for the measured rows)");
  b->add_option("--hardware", o->hardware, "Accelerator name for the measured rows (default: the instance's)");
  b->add_option("--tp", o->tp, "Tensor-parallel degree for the measured rows (default: the instance's devices)")->check(CLI::Range(1, 1024));
  b->add_option("--seed", o->seed, "Seed of the open loop's arrival times (default 1)");
  b->add_option("--out", o->out, "Write the measurements as measured-CSV rows to FILE");
  b->callback([&g, o] { run_bench(g, *o); });
}

}  // namespace frugal::cli
