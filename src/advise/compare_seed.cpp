#include "advise/compare_seed.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/csv.h"
#include "core/error.h"

namespace frugal {

std::vector<SeedRow> compare_seed(const AdvisorContext& ctx, const std::string& claims_csv,
                                  double prompt, double output) {
  const Catalog& cat = *ctx.catalog;
  auto claims = CsvTable::load(claims_csv);
  claims.require_columns({"model", "hardware", "ms_per_token", "source"});

  const std::vector<std::string> models = {"deepseek-llm-7b", "deepseek-llm-67b", "llama-65b"};
  const std::vector<std::pair<std::string, std::string>> hardware = {
      {"A100", "p4d.24xlarge"}, {"H100", "p5.48xlarge"}, {"Inferentia2", "inf2.48xlarge"}, {"Trainium", "trn1.32xlarge"}};
  std::vector<SeedRow> out;
  for (const auto& mname : models) {
    const ModelSpec* m = cat.find_model(mname);
    if (!m) throw Error(fmt::format("seed comparison: model '{}' missing from data/models", mname));
    for (const auto& [hw, iname] : hardware) {
      const InstanceType* it = cat.find_instance(iname);
      if (!it || !it->accelerator || !it->on_demand_hourly()) {
        throw Error(fmt::format("seed comparison: instance '{}' missing or unpriced in the catalog", iname));
      }
      SeedRow r;
      r.model = m->name;
      r.hardware = hw;
      r.instance = iname;
      const Precision* p = cat.find_precision(it->accelerator->bf16_tflops ? "bf16" : "fp16");
      r.precision = p->name;
      double best = std::numeric_limits<double>::infinity();
      for (int t : tp_degrees(it->devices)) {
        LlmConfig cfg{m, p, make_device(*ctx.efficiency, *it->accelerator, it->device_memory_gib, it->device_fraction), t};
        if (!unsupported_reason(cfg).empty() || max_batch(cfg, prompt + output, 1) == 0) continue;
        auto e = serve_at(cfg, 1, prompt, output);
        if (e.tpot_s < best) {
          best = e.tpot_s;
          r.tp = t;
          r.ms_per_token = e.tpot_s * 1e3;
          r.ttft_ms = e.ttft_s * 1e3;
          const double replicas = it->devices / t;
          r.cost_per_million_tokens = *it->on_demand_hourly() / (replicas * e.tokens_per_s * 3600) * 1e6;
        }
      }
      if (r.tp == 0) r.note = fmt::format("{} in {} does not fit on {}", m->name, p->name, iname);
      for (std::size_t i = 0; i < claims.size(); ++i) {
        auto c = claims.row(i);
        if (c.get("model") == m->name && c.get("hardware") == hw) {
          r.claimed_ms = c.number("ms_per_token");
          r.claim_source = c.get("source");
        }
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace frugal
