#include "schedd/inventory.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <sstream>

#include "core/csv.h"
#include "core/error.h"

namespace frugal::schedd {

const MigProfile* Inventory::find_mig(const Gpu& g, const std::string& profile) const {
  for (const auto& p : g.mig) {
    if (p.name == profile) return &p;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::vector<MigProfile>>> load_mig_profiles(const std::string& data_dir) {
  const CsvTable t = CsvTable::load(data_dir + "/catalog/mig_profiles.csv");
  t.require_columns({"gpu", "profile", "placement_starts", "placement_size"});
  std::vector<std::pair<std::string, std::vector<MigProfile>>> out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const auto r = t.row(i);
    MigProfile p;
    p.name = r.get("profile");
    p.size = static_cast<int>(r.number("placement_size"));
    std::stringstream ss(r.get("placement_starts"));
    for (std::string s; std::getline(ss, s, '|');) p.starts.push_back(std::stoi(s));
    // "1g.10gb" -> 10 GiB
    const auto dot = p.name.find('.');
    if (dot != std::string::npos) p.memory_mib = std::atoll(p.name.c_str() + dot + 1) * 1024;
    if (out.empty() || out.back().first != r.get("gpu")) out.push_back({r.get("gpu"), {}});
    out.back().second.push_back(p);
  }
  return out;
}

namespace {
std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
// MIG profiles for a GPU name ("NVIDIA H100 80GB HBM3", "H100-80GB"): the catalog model whose
// chip and memory both appear in it.
std::vector<MigProfile> mig_for(const std::string& name, std::int64_t memory_mib,
                                const std::vector<std::pair<std::string, std::vector<MigProfile>>>& table) {
  const std::string n = upper(name);
  for (const auto& [model, profiles] : table) {
    const std::string chip = model.substr(0, model.find('-'));
    const std::regex gb("([0-9]+)GB");
    std::smatch m;
    if (!std::regex_search(model, m, gb)) continue;
    const long mem_gb = std::stol(m[1]);
    const bool mem_ok = n.find(m[1].str() + "GB") != std::string::npos ||
                        (memory_mib > 0 && std::abs(memory_mib / 1024 - mem_gb) <= mem_gb / 10);
    if (n.find(chip) != std::string::npos && mem_ok) return profiles;
  }
  return {};
}
}  // namespace

Inventory declared_inventory(const std::string& spec, const std::string& data_dir) {
  const auto table = load_mig_profiles(data_dir);
  Inventory inv;
  inv.source = "declared: " + spec;
  const std::regex item("^(?:([0-9]+)x)?([A-Za-z0-9]+)-([0-9]+)GB$");
  std::stringstream ss(spec);
  for (std::string part; std::getline(ss, part, ',');) {
    std::smatch m;
    if (!std::regex_match(part, m, item)) {
      throw Error(fmt::format("--gpus: expected COUNTxMODEL-NNGB[,...] (e.g. 4xH100-80GB), got '{}'", spec));
    }
    const int count = m[1].matched ? std::stoi(m[1]) : 1;
    if (count < 1 || count > 1024) throw Error(fmt::format("--gpus: count must be 1-1024, got '{}'", part));
    for (int i = 0; i < count; ++i) {
      Gpu g;
      g.index = static_cast<int>(inv.gpus.size());
      g.name = upper(m[2]) + "-" + m[3].str() + "GB";
      g.memory_mib = std::stoll(m[3]) * 1024;
      g.uuid = fmt::format("GPU-declared-{:04d}", g.index);
      g.mig = mig_for(g.name, g.memory_mib, table);
      inv.gpus.push_back(g);
    }
  }
  if (inv.gpus.empty()) throw Error("--gpus: no GPUs declared");
  return inv;
}

Inventory nvml_inventory(telemetry::GpuSource& source, const std::string& data_dir) {
  const auto table = load_mig_profiles(data_dir);
  const auto snap = source.sample(0);
  Inventory inv;
  inv.source = source.describe();
  for (const auto& s : snap.gpus) {
    Gpu g;
    g.index = s.index;
    g.uuid = s.uuid.empty() ? std::to_string(s.index) : s.uuid;
    g.name = s.name;
    g.memory_mib = s.memory_total_bytes ? static_cast<std::int64_t>(*s.memory_total_bytes >> 20) : 0;
    g.mig = mig_for(g.name, g.memory_mib, table);
    inv.gpus.push_back(g);
  }
  return inv;
}

}  // namespace frugal::schedd
