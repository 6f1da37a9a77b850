// libFuzzer entry point for the parsers that read user input (CSV, TOML, units, bill exports and
// CUR manifests,
// and the agent's HTTP Accept header and --listen address).
// The first byte picks the parser;
// the contract is "parse or throw frugal::Error" (anything else aborts the fuzzer).
// Build and run: make fuzz
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "billing/inputs.h"
#include "billing/reader.h"
#include "catalog/hf_config.h"
#include "core/csv.h"
#include "core/csv_span.h"
#include "core/error.h"
#include "core/toml_util.h"
#include "core/units.h"
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
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 5) {
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
      case 3: {
        // Bill readers with a tag looked up (map-column parsing), then the manifest parser.
        std::istringstream in(input);
        frugal::billing::ReadOptions o;
        o.tag_key = "team";
        frugal::billing::read_bill(in, "fuzz.csv", [](const frugal::billing::LineItem&) {}, o);
        (void)frugal::billing::manifest_keys(input, "fuzz-Manifest.json");
        break;
      }
      case 4:
        (void)frugal::telemetry::accepts_openmetrics(input);
        (void)frugal::http::parse_listen(input);
        break;
      default:
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
