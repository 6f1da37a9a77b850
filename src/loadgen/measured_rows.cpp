#include "loadgen/measured_rows.h"

#include <fmt/format.h>

#include "core/output.h"

namespace frugal::loadgen {

std::string level_name(const Load& load) {
  return load.kind == Load::kConcurrency ? fmt::format("concurrency {:g}", load.value) : fmt::format("rate {:g}/s", load.value);
}

namespace {
// A rate level is a finite open-loop run: the model caps its in-flight requests at their number.
std::string batch_column(const LevelSummary& s) {
  if (s.load.kind == Load::kRate) return fmt::format("rate {:g}/s for {} requests", s.load.value, s.requests);
  return level_name(s.load);
}
}  // namespace

std::string measured_csv(const std::vector<LevelSummary>& levels, const RowContext& ctx) {
  std::string out = "model,hardware,instance,precision,tp,batch,input_len,output_len,metric,value,unit,source\n";
  for (const auto& s : levels) {
    if (s.ok == 0) continue;
    const std::string note = fmt::format(
        "{}; {} of {} requests ok; output tokens {}; prompt tokens {}", ctx.source, s.ok, s.requests,
        s.server_counted == s.ok ? "from the server's usage" : fmt::format("one per streamed piece on {} requests", s.ok - s.server_counted),
        s.mean_prompt_tokens >= 0 ? fmt::format("{:.0f} (server)", s.mean_prompt_tokens) : std::string("not reported"));
    auto row = [&](const char* metric, double value, const char* unit) {
      out += fmt::format("{},{},{},{},{},{},{},{},{},{:.6g},{},{}\n", csv_escape(ctx.model), csv_escape(ctx.hardware),
                         csv_escape(ctx.instance), csv_escape(ctx.precision), ctx.tp, csv_escape(batch_column(s)),
                         ctx.input_len, ctx.output_len, metric, value, unit, csv_escape(note));
    };
    if (s.ttft_s.n) row("TTFT_p50", s.ttft_s.p50 * 1e3, "ms"), row("TTFT_p99", s.ttft_s.p99 * 1e3, "ms");
    if (s.tpot_s.n) row("TPOT_p50", s.tpot_s.p50 * 1e3, "ms"), row("TPOT_p99", s.tpot_s.p99 * 1e3, "ms");
    if (s.itl_s.n) row("ITL_avg", s.itl_s.mean * 1e3, "ms");
    row("e2e_latency_p50", s.e2e_s.p50 * 1e3, "ms");
    row("output_throughput", s.output_tokens_per_s, "tokens/s");
    row("requests_per_s", s.requests_per_s, "requests/s");
  }
  return out;
}

}  // namespace frugal::loadgen
