// libFuzzer entry point for the parsers that read user input: CSV, TOML and Hugging Face
// configs, units, bill exports and CUR manifests, the agent's Accept header and --listen address,
// the HTTP request path both servers share (request line, headers, chunked bodies, timeouts), and
// the scheduler's job-spec JSON, cgroup files and environments (workload attribution), squeue and
// sacct listings, Parquet files, the kube-scheduler extender's arguments, and the event streams `frugal bench` reads (SSE and AWS
// event-stream frames), load forms and length distributions. The first byte picks
// the parser (first byte % 8); the contract
// is "parse or throw frugal::Error" (anything else aborts the fuzzer).
// Build and run: make fuzz
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "billing/inputs.h"
#include "billing/reader.h"
#include "parquet/rows.h"
#include "catalog/hf_config.h"
#include "core/csv.h"
#include "core/csv_span.h"
#include "core/error.h"
#include "core/toml_util.h"
#include "core/units.h"
#include "aws/event_stream.h"
#include "http/server.h"
#include "http/session.h"
#include "loadgen/lengths.h"
#include "loadgen/openai.h"
#include "perf/accuracy.h"
#include "perf/efficiency.h"
#include "perf/load.h"
#include "loadgen/sse.h"
#include "k8s/extender.h"
#include "schedd/api.h"
#include "slurm/gres.h"
#include "slurm/jobs.h"
#include "alert/config.h"
#include "alert/prometheus_rules.h"
#include "telemetry/workload.h"
#include "schedd/job.h"
#include "telemetry/exposition.h"
#include "telemetry/server.h"

namespace {
// The mapped-memory CSV reader must read every input exactly as the stream reader: same fields,
// same positions, same error. A difference aborts (a finding).
void differential_csv(const std::string& input) {
  std::istringstream in(input);
  frugal::CsvReader a(in, "fuzz.csv");
  frugal::CsvSpanReader b(input.data(), input.data() + input.size(), input.data() + input.size(), "fuzz.csv");
  std::vector<std::string> fa;
  std::vector<std::string_view> fb;
  for (;;) {
    std::string ea, eb;
    bool ra = false, rb = false;
    try {
      ra = a.next(fa);
    } catch (const frugal::Error& e) {
      ea = e.what();
    }
    try {
      rb = b.next(fb);
    } catch (const frugal::Error& e) {
      eb = e.what();
    }
    if (ea != eb || ra != rb) std::abort();
    if (!ea.empty() || !ra) return;
    if (fa.size() != fb.size() || a.record_line() != b.record_line()) std::abort();
    for (std::size_t i = 0; i < fa.size(); ++i) {
      if (fa[i] != fb[i] || a.field_location(i).column != b.field_location(i).column ||
          a.field_location(i).line != b.field_location(i).line) {
        std::abort();
      }
    }
  }
}
// The HTTP path of both servers: the bytes arrive in pieces (the second byte sets the piece
// size), then the connection times out or the client closes. Every answer must be a whole
// HTTP/1.1 status line, and the session must never ask for more than its limits allow.
void fuzz_http(const std::string& input) {
  using namespace frugal::http;
  static const Router router = [] {
    Router r;
    r.add("GET", "/metrics", [](const Request& q, Response& res) { res.set(200, q.header("accept"), "text/plain"); });
    r.add("GET", "/v1/jobs/*/logs", [](const Request& q, Response& res) { res.set(200, q.captures.at(0) + q.param("offset"), "text/plain"); });
    r.add("POST", "/v1/jobs", [](const Request& q, Response& res) { res.set(201, q.body, "application/json"); }, {true, 512});
    r.set_authorizer([](const Request& q) { return q.header("authorization") == "Bearer t"; });
    return r;
  }();
  Limits limits;
  limits.max_head_bytes = 1024;
  limits.max_requests_per_connection = 8;
  if (input.empty()) return;
  const std::size_t piece = 1 + static_cast<unsigned char>(input[0]) % 64;
  Session s(router, limits, 0, "fuzz");
  double now = 0;
  std::size_t seen = 0;
  for (std::size_t at = 1; at < input.size() && !s.closing(); at += piece) {
    const std::size_t budget = s.read_budget();
    const std::size_t n = std::min({piece, input.size() - at, budget == 0 ? piece : budget});
    if (budget == 0) {
      s.on_output_sent(s.output().size(), now);  // the client read everything so far
      if (s.read_budget() == 0) break;
      continue;
    }
    s.on_input(std::string_view(input).substr(at, n), now += 0.01);
    if (s.output().size() > seen && s.output().compare(0, 9, "HTTP/1.1 ") != 0) std::abort();
    seen = s.output().size();
  }
  s.on_output_sent(s.output().size(), now);
  s.on_timeout(s.deadline());
  if (!s.output().empty() && s.output().compare(0, 9, "HTTP/1.1 ") != 0) std::abort();
  s.on_eof(now);
}

// What kube-scheduler sends the extender: the same bytes as ExtenderArgs (filter, prioritize) and
// ExtenderBindingArgs (bind) on a two-node cluster; answers or frugal::Error, and never a GPU
// allocated beyond capacity.
void fuzz_extender(const nlohmann::json& args) {
  static frugal::sched::Cluster cluster = [] {
    frugal::sched::Cluster c;
    for (int i = 0; i < 2; ++i) {
      frugal::sched::Node n;
      n.name = "n" + std::to_string(i);
      n.model = c.model_index("A100");
      n.cpu_total = n.cpu_left = 8000;
      n.mem_total = n.mem_left = 65536;
      n.gpu_left.assign(2, frugal::sched::kMilliPerGpu);
      c.nodes.push_back(n);
    }
    return c;
  }();
  frugal::k8s::Extender ext(cluster, {}, {.policy = "best-fit"}, nullptr);
  (void)ext.filter(args);
  (void)ext.prioritize(args);
  (void)ext.bind(args);
  if (ext.allocated_milli() > ext.capacity_milli()) std::abort();
  (void)ext.rebuild(args.is_array() ? args : nlohmann::json::array({args}));
  if (ext.allocated_milli() > ext.capacity_milli()) std::abort();
}

// Job specs as the API takes them: parse, validate, and the stored form must read back the same.
void fuzz_job_spec(const std::string& input) {
  using namespace frugal::schedd;
  try {
    fuzz_extender(parse_json_body(input));
  } catch (const frugal::Error&) {
  }
  const auto spec = spec_from_json(parse_json_body(input));
  const auto stored = spec_to_json(spec);
  if (spec_to_json(spec_from_json(stored)) != stored) std::abort();
  Job j;
  j.spec = spec;
  if (to_json(j).contains("env")) std::abort();  // values must never leave the daemon
}

// A Parquet file (the corpus holds small ones DuckDB wrote, every codec and page version): every
// column of every row group read as text cells.
void fuzz_parquet(const std::string& input) {
  auto f = frugal::parquet::ParquetFile::from_bytes(input, "fuzz.parquet");
  std::vector<int> all;
  for (std::size_t c = 0; c < f->columns().size(); ++c) all.push_back(static_cast<int>(c));
  std::vector<std::string_view> cells;
  for (int g = 0; g < f->row_groups(); ++g) {
    frugal::parquet::RowGroupCells rows(*f, g, all);
    while (rows.next(cells)) {
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 8) {
      case 0: {
        differential_csv(input);
        std::istringstream in(input);
        auto t = frugal::CsvTable::parse(in, "fuzz.csv");
        for (std::size_t i = 0; i < t.size(); ++i) (void)t.row(i).line();
        break;
      }
      case 1: {
        // Configuration files: TOML, and a Hugging Face config.json imported as a model (whose
        // model file must load back).
        try {
          (void)frugal::parse_toml(input, "fuzz.toml");
        } catch (const frugal::Error&) {
        }
        // The out-of-sample accuracy estimates quote: what loads writes back and loads again.
        try {
          const auto acc = frugal::Accuracy::parse(input, "fuzz-accuracy.toml");
          (void)frugal::Accuracy::parse(acc.to_toml(), "fuzz-accuracy-2.toml");
        } catch (const frugal::Error&) {
        }
        // The performance model's factors (efficiency.toml and named calibrations): what loads
        // writes back and loads again to the same text.
        try {
          const auto eff = frugal::Efficiency::parse(input, "fuzz-efficiency.toml");
          const std::string written = eff.to_toml();
          if (frugal::Efficiency::parse(written, "fuzz-efficiency-2.toml").to_toml() != written) std::abort();
        } catch (const frugal::Error&) {
        }
        // `frugal alert run` rules files and `frugal alert rules` threshold overrides: accepted
        // thresholds always render a rule file with every placeholder filled (no '@' left unless
        // the input brought one).
        try {
          (void)frugal::alert::parse_alert_config(input, "fuzz-rules.toml");
        } catch (const frugal::Error&) {
        }
        try {
          const auto s = frugal::alert::apply_prom_rule_overrides({}, input, "fuzz-thresholds.toml");
          const std::string yaml = frugal::alert::render_prometheus_rules(s, "fuzz");
          if (input.find('@') == std::string::npos && yaml.find('@') != std::string::npos) std::abort();
        } catch (const frugal::Error&) {
        }
        nlohmann::json j;
        try {
          j = nlohmann::json::parse(input);
        } catch (const nlohmann::json::exception&) {
          break;
        }
        auto imp = frugal::import_hf_config(j, "fuzz", "config.json");
        (void)frugal::parse_toml(frugal::model_toml(imp.model, imp.notes), "model.toml");
        break;
      }
      case 2:
        fuzz_parquet(input);
        break;
      case 3: {
        // Bill readers with a tag looked up (map-column parsing), then the manifest parser.
        std::istringstream in(input);
        frugal::billing::ReadOptions o;
        o.tag_key = "team";
        frugal::billing::read_bill(in, "fuzz.csv", [](const frugal::billing::LineItem&) {}, o);
        (void)frugal::billing::manifest_keys(input, "fuzz-Manifest.json");
        break;
      }
      case 4: {
        // What the agent reads from /proc (cgroup files, environments) and `frugal slurm` from
        // squeue/sacct: any bytes give a workload with a non-empty id, or a clean error.
        frugal::telemetry::Workload w = frugal::telemetry::workload_from_cgroup(input);
        frugal::telemetry::add_environment(w, input);
        if (w.id().empty() || w.labels().size() < 2) std::abort();
        try {
          (void)frugal::slurm::parse_squeue(input);
        } catch (const frugal::Error&) {
        }
        try {
          (void)frugal::slurm::parse_sacct(input);
        } catch (const frugal::Error&) {
        }
        (void)frugal::slurm::gpu_type(input);
        frugal::telemetry::Snapshot inv;
        inv.gpus.emplace_back();
        inv.gpus[0].mig_enabled = true;
        inv.gpus[0].mig_instances.push_back({"MIG-x", "A100 MIG 1g.5gb", 1u, std::nullopt, std::nullopt});
        frugal::slurm::GresOptions go;
        go.node_name = "n";
        go.mig_minors = input;  // /proc/driver/nvidia-caps/mig-minors
        (void)frugal::slurm::plan_gres(inv, go);
      }
        (void)frugal::telemetry::accepts_openmetrics(input);
        (void)frugal::http::parse_listen(input);
        break;
      case 5:
        fuzz_http(input);
        break;
      case 6:
        fuzz_job_spec(input);
        break;
      case 7: {
        // What an endpoint streams to `frugal bench`: SSE in pieces, each event read as both APIs.
        frugal::loadgen::SseParser sse;
        std::vector<std::string> events;
        const std::size_t piece = input.empty() ? 1 : 1 + static_cast<unsigned char>(input[0]) % 32;
        for (std::size_t at = 0; at < input.size(); at += piece) {
          if (!sse.feed(std::string_view(input).substr(at, piece), events)) break;
        }
        for (const auto& e : events) {
          (void)frugal::loadgen::interpret_event(frugal::loadgen::Api::kChat, e);
          (void)frugal::loadgen::interpret_event(frugal::loadgen::Api::kCompletions, e);
          (void)frugal::loadgen::interpret_event(frugal::loadgen::Api::kTgi, e);
        }
        // The same bytes as SageMaker's AWS event-stream frames; a decoded message re-encodes and
        // decodes to itself.
        frugal::aws::EventStreamDecoder frames;
        std::vector<frugal::aws::EventMessage> msgs;
        for (std::size_t at = 0; at < input.size(); at += piece) {
          if (!frames.feed(std::string_view(input).substr(at, piece), msgs)) break;
        }
        for (const auto& m : msgs) {
          (void)frugal::loadgen::interpret_event(frugal::loadgen::Api::kTgi, m.payload);
          std::vector<std::pair<std::string, std::string>> hs(m.headers.begin(), m.headers.end());
          bool short_enough = true;
          for (const auto& [k, v] : hs) short_enough &= k.size() < 128 && v.size() < 65536;
          if (!short_enough) continue;
          frugal::aws::EventStreamDecoder again;
          std::vector<frugal::aws::EventMessage> back;
          if (!again.feed(frugal::aws::encode_event_message(hs, m.payload), back) || back.size() != 1 ||
              back[0].payload != m.payload || back[0].headers != m.headers) {
            std::abort();
          }
        }
        break;
      }
      default:
        try {
          (void)frugal::parse_load(input);  // measured rows' batch column, perf estimate --load
        } catch (const frugal::Error&) {
        }
        try {
          (void)frugal::loadgen::LengthDist::parse(input, "--prompt-tokens");
        } catch (const frugal::Error&) {
        }
        (void)frugal::parse_duration(input, "d");
        (void)frugal::parse_rate(input, "r");
        (void)frugal::parse_count(input, "c");
        (void)frugal::parse_bytes(input, "b");
        (void)frugal::parse_fraction(input, "f");
    }
  } catch (const frugal::Error&) {
  }
  return 0;
}
