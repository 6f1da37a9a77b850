#include "catalog/catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <unordered_map>

#include "core/csv.h"
#include "core/error.h"
#include "core/stats.h"
#include "core/suggest.h"
#include "core/toml_util.h"

namespace frugal {
namespace {

// Prices shown until the caller selects a region: AWS's own default region for the price APIs.
constexpr const char* kDefaultPriceRegion = "us-east-1";

const Accelerator* match_accelerator(const std::deque<Accelerator>& accs, const std::string& name,
                                     std::optional<double> memory_mib) {
  const Accelerator* by_name = nullptr;
  for (const auto& a : accs) {
    if (a.match_name != name) continue;
    if (!a.match_memory_mib) return &a;
    if (memory_mib && *a.match_memory_mib == *memory_mib) return &a;
    if (!by_name) by_name = &a;
  }
  // Fractional GPUs (g6f) list a slice of the memory: fall back to the full-size device of that name.
  if (by_name && memory_mib && *memory_mib < *by_name->match_memory_mib) {
    for (const auto& a : accs) {
      if (a.match_name == name && a.match_memory_mib && *a.match_memory_mib > *memory_mib) return &a;
    }
  }
  return nullptr;
}

}  // namespace

std::deque<Accelerator> Catalog::load_accelerators(const std::string& path) {
  auto t = CsvTable::load(path);
  t.require_columns({"id", "family", "match_name", "match_memory_mib", "device_unit", "memory_gib",
                     "mem_bw_gbs", "fp32_tflops", "fp16_tflops", "bf16_tflops", "fp8_tflops",
                     "int8_tops", "link", "link_gbs", "source"});
  std::deque<Accelerator> out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto r = t.row(i);
    Accelerator a;
    a.id = r.get("id");
    a.family = r.get("family");
    a.match_name = r.get("match_name");
    a.match_memory_mib = r.optional_number("match_memory_mib");
    a.device_unit = r.get("device_unit");
    if (a.device_unit != "gpu" && a.device_unit != "neuroncore") {
      fail_at(r.where("device_unit"), fmt::format("expected 'gpu' or 'neuroncore', got '{}'", a.device_unit));
    }
    a.memory_gib = r.number("memory_gib");
    a.mem_bw_gbs = r.number("mem_bw_gbs");
    a.fp32_tflops = r.optional_number("fp32_tflops");
    a.fp16_tflops = r.optional_number("fp16_tflops");
    a.bf16_tflops = r.optional_number("bf16_tflops");
    a.fp8_tflops = r.optional_number("fp8_tflops");
    a.int8_tops = r.optional_number("int8_tops");
    // FP4 tensor cores (Blackwell); an older accelerators.csv without the column has none.
    if (t.has_column("fp4_tflops")) a.fp4_tflops = r.optional_number("fp4_tflops");
    a.link = r.get("link");
    a.link_gbs = r.number("link_gbs");
    // Neuron devices the runtime exposes per group of physical cores (Trainium2 LNC=2).
    a.cores_per_device = t.has_column("cores_per_device") ? static_cast<int>(r.optional_number("cores_per_device").value_or(1)) : 1;
    if (a.cores_per_device < 1) fail_at(r.where("cores_per_device"), "expected cores_per_device >= 1");
    a.source = r.get("source");
    if (a.id.empty()) fail_at(r.where("id"), "expected an accelerator id");
    if (a.memory_gib <= 0 || a.mem_bw_gbs <= 0) {
      fail_at(r.where("memory_gib"), "expected positive memory and bandwidth");
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<Precision> Catalog::load_precisions(const std::string& path) {
  auto t = CsvTable::load(path);
  t.require_columns({"name", "weight_bytes", "kv_bytes", "compute", "fallback_compute", "source"});
  std::vector<Precision> out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto r = t.row(i);
    Precision p{r.get("name"), r.number("weight_bytes"), r.number("kv_bytes"), r.get("compute"),
                r.get("fallback_compute"), r.get("source")};
    if (p.weight_bytes <= 0 || p.kv_bytes <= 0) fail_at(r.where("weight_bytes"), "expected positive byte sizes");
    out.push_back(std::move(p));
  }
  return out;
}

ModelSpec Catalog::load_model(const std::string& path) {
  auto t = load_toml_file(path);
  ModelSpec m;
  m.file = path;
  m.name = require_string(t, "name", path);
  std::string kind = require_string(t, "kind", path);
  if (kind == "decoder") m.kind = ModelKind::kDecoder;
  else if (kind == "encoder") m.kind = ModelKind::kEncoder;
  else if (kind == "vision") m.kind = ModelKind::kVision;
  else fail_at(location_of(*t.get("kind"), path), "expected kind decoder, encoder or vision");
  if (const auto* a = t.get_as<toml::array>("aliases")) {
    for (const auto& e : *a) {
      auto s = e.value<std::string>();
      if (!s) fail_at(location_of(e, path), "expected a string in 'aliases'");
      m.aliases.push_back(*s);
    }
  }
  m.params = require_number(t, "params", path);
  m.active_params = optional_number(t, "active_params", path).value_or(m.params);
  m.source = require_string(t, "source", path);
  auto i = [&](std::string_view k, bool required) {
    auto v = required ? std::optional<double>(require_number(t, k, path)) : optional_number(t, k, path);
    return static_cast<int>(v.value_or(0));
  };
  if (m.kind == ModelKind::kVision) {
    m.flops_per_sample = require_number(t, "flops_per_sample", path);
    return m;
  }
  m.layers = i("layers", true);
  m.hidden = i("hidden", true);
  m.heads = i("heads", true);
  m.kv_heads = i("kv_heads", true);
  m.ffn = i("ffn", true);
  m.vocab = i("vocab", true);
  m.max_context = i("max_context", true);
  m.head_dim = i("head_dim", false);
  if (m.head_dim == 0 && m.heads > 0) m.head_dim = m.hidden / m.heads;
  m.kv_latent_dim = i("kv_latent_dim", false);
  // MLA runs two attention forms (perf/llm.h attention_flops), which need the latent's split and
  // the value head; a file with the latent alone would silently price attention as plain MHA.
  m.kv_rope_dim = i("kv_rope_dim", m.kv_latent_dim > 0);
  m.v_head_dim = i("v_head_dim", m.kv_latent_dim > 0);
  m.experts = i("experts", false);
  m.active_experts = i("active_experts", false);
  m.shared_experts = i("shared_experts", false);
  m.default_sequence = i("default_sequence", false);
  m.sliding_window = i("sliding_window", false);
  m.sliding_window_layers = i("sliding_window_layers", false);
  if (const auto* n = t.get("tied_embeddings")) {
    const auto* v = n->as_boolean();  // not value<bool>(): that would take 1 for true
    if (!v) fail_at(location_of(*n, path), "expected tied_embeddings = true or false");
    m.tied_embeddings = v->get();
  }
  if (const auto* n = t.get("quantized")) {
    auto v = n->value<std::string>();
    if (v && *v == "linear") m.quantized = ModelSpec::Quantized::kLinear;
    else if (v && *v == "experts") m.quantized = ModelSpec::Quantized::kExperts;
    else fail_at(location_of(*n, path), "expected quantized = \"linear\" or \"experts\"");
    if (m.quantized == ModelSpec::Quantized::kExperts && m.experts == 0) {
      fail_at(location_of(*n, path), "quantized = \"experts\" needs a MoE model (experts > 0)");
    }
  }
  if (m.sliding_window < 0 || m.sliding_window_layers < 0 || m.sliding_window_layers > m.layers) {
    fail_at({path, 1, 1}, "expected sliding_window >= 0 and 0 <= sliding_window_layers <= layers");
  }
  if (m.layers <= 0 || m.hidden <= 0 || m.heads <= 0 || m.kv_heads <= 0) {
    fail_at({path, 1, 1}, "expected positive layers, hidden, heads and kv_heads");
  }
  if (m.is_moe() && (m.active_experts <= 0 || m.active_params >= m.params)) {
    fail_at({path, 1, 1}, "MoE model needs active_experts > 0 and active_params < params");
  }
  return m;
}

Catalog Catalog::load(const std::string& data_dir, const Extra& extra) {
  const std::string& spot_cache = extra.spot_cache;
  namespace fs = std::filesystem;
  Catalog c;
  const std::string cat = data_dir + "/catalog/";
  c.accelerators_ = load_accelerators(cat + "accelerators.csv");
  c.book_ = PriceBook::load(data_dir);
  c.precisions_ = load_precisions(data_dir + "/perf/precisions.csv");

  // Instance types: Karpenter's full list, then the supplement for types it lacks (p3.*).
  auto inst = CsvTable::load(cat + "instances.csv");
  inst.require_columns({"InstanceType", "Family", "vCPUs", "MemoryMiB", "GpuName", "GpuCount",
                        "GpuMemoryMiB", "AcceleratorName", "AcceleratorCount", "NeuronCores",
                        "OnDemandUSDPerHour_us_east_1", "PriceAsOf", "source"});
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < inst.size(); ++i) {
    auto r = inst.row(i);
    InstanceType it;
    it.name = r.get("InstanceType");
    it.family = r.get("Family");
    it.vcpus = static_cast<int>(r.number("vCPUs"));
    it.memory_gib = r.number("MemoryMiB") / 1024.0;
    it.source = r.get("source");
    if (auto od = r.optional_number("OnDemandUSDPerHour_us_east_1"); od && *od > 0) {
      c.book_.offer_on_demand("us-east-1", it.name, Rate{*od, "on-demand", r.get("PriceAsOf"), it.source});
    }
    if (inst.has_column("EFA")) it.efa_interfaces = static_cast<int>(r.optional_number("EFA").value_or(0));
    if (!r.empty("GpuName")) {
      it.gpu_name = r.get("GpuName");
      auto mem = r.optional_number("GpuMemoryMiB");
      it.accelerator = match_accelerator(c.accelerators_, it.gpu_name, mem);
      it.devices = static_cast<int>(r.optional_number("GpuCount").value_or(0));
      if (mem) it.device_memory_gib = *mem / 1024.0;
      if (it.devices == 0 && it.accelerator && mem && it.accelerator->match_memory_mib) {
        // Fractional GPU: one device holding a share of a full GPU.
        it.device_fraction = *mem / *it.accelerator->match_memory_mib;
        it.devices = 1;
      }
    } else if (!r.empty("AcceleratorName")) {
      it.gpu_name = r.get("AcceleratorName");
      it.accelerator = match_accelerator(c.accelerators_, it.gpu_name, std::nullopt);
      it.devices = static_cast<int>(r.optional_number("NeuronCores").value_or(0));
      if (it.accelerator) {
        it.device_memory_gib = it.accelerator->memory_gib;
        it.devices /= it.accelerator->cores_per_device;
      }
    }
    if (!index.emplace(it.name, c.instances_.size()).second) {
      fail_at(r.where("InstanceType"), fmt::format("duplicate instance type '{}'", it.name));
    }
    c.instances_.push_back(std::move(it));
  }
  auto sup = CsvTable::load(cat + "instances_supplement.csv");
  sup.require_columns({"InstanceType", "Accelerator", "AcceleratorCount", "AccelMemoryGiBEach",
                       "vCPUs", "MemoryGiB", "NeuronCores", "OnDemandUSDPerHour", "PriceAsOf", "source"});
  for (std::size_t i = 0; i < sup.size(); ++i) {
    auto r = sup.row(i);
    const std::string& name = r.get("InstanceType");
    if (index.count(name) || r.empty("Accelerator")) continue;
    InstanceType it;
    it.name = name;
    it.family = name.substr(0, name.find('.'));
    it.vcpus = static_cast<int>(r.number("vCPUs"));
    it.memory_gib = r.number("MemoryGiB");
    it.gpu_name = r.get("Accelerator");
    double mem_gib = r.number("AccelMemoryGiBEach");
    it.accelerator = match_accelerator(c.accelerators_, it.gpu_name, mem_gib * 1024.0);
    it.devices = static_cast<int>(r.number("AcceleratorCount"));
    if (auto nc = r.optional_number("NeuronCores")) it.devices = static_cast<int>(*nc);
    it.device_memory_gib = mem_gib;
    if (it.accelerator && it.accelerator->is_neuron()) {
      // Per Neuron device: chip memory split over the devices the runtime exposes.
      it.devices /= it.accelerator->cores_per_device;
      it.device_memory_gib = it.accelerator->memory_gib;
    }
    if (auto od = r.optional_number("OnDemandUSDPerHour"); od && *od > 0) {
      c.book_.offer_on_demand("us-east-1", it.name, Rate{*od, "on-demand", r.get("PriceAsOf"), r.get("source")});
    }
    it.efa_interfaces = static_cast<int>(r.optional_number("EFA").value_or(0));
    it.source = r.get("source");
    index.emplace(it.name, c.instances_.size());
    c.instances_.push_back(std::move(it));
  }

  if (!spot_cache.empty() && fs::exists(spot_cache)) {
    const int n = c.apply_spot_cache(spot_cache);
    c.spot_cache_note = fmt::format("spot prices for {} instance types from {} (frugal catalog refresh --spot)", n, spot_cache);
  }
  if (!extra.price_cache.empty() && fs::exists(extra.price_cache)) {
    const int n = c.apply_price_cache(extra.price_cache);
    c.price_cache_note = fmt::format("{} live rates from {} (frugal catalog refresh)", n, extra.price_cache);
  }
  c.load_families(cat + "accelerated_families.csv");
  c.select_region(kDefaultPriceRegion);

  std::vector<std::string> dirs{data_dir + "/models"};
  dirs.insert(dirs.end(), extra.model_dirs.begin(), extra.model_dirs.end());
  for (std::size_t d = 0; d < dirs.size(); ++d) {
    if (d > 0 && !fs::is_directory(dirs[d])) continue;
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dirs[d])) {
      if (e.path().extension() == ".toml") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      ModelSpec m = load_model(f);
      auto same = std::find_if(c.models_.begin(), c.models_.end(), [&](const ModelSpec& x) { return lower(x.name) == lower(m.name); });
      if (same != c.models_.end()) *same = std::move(m);
      else c.models_.push_back(std::move(m));
    }
  }
  return c;
}

int Catalog::apply_spot_cache(const std::string& path) {
  auto t = CsvTable::load(path);
  t.require_columns({"InstanceType", "AvailabilityZone", "ZoneType", "SpotPrice", "Timestamp", "Region", "source"});
  // Newest price per (region, type, AZ); timestamps are ISO 8601 strings, which sort chronologically.
  struct Latest {
    std::string timestamp, zone_kind;
    double price = 0;
  };
  std::map<std::pair<std::string, std::string>, std::map<std::string, Latest>> latest;
  std::map<std::pair<std::string, std::string>, std::string> src;
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto r = t.row(i);
    const double price = r.number("SpotPrice");
    if (!(price > 0)) fail_at(r.where("SpotPrice"), "expected a positive price");
    const std::string& zt = r.get("ZoneType");
    // DescribeAvailabilityZones ZoneType: availability-zone, local-zone, wavelength-zone.
    const std::string kind = zt == "availability-zone" ? "standard" : zt == "local-zone" ? "local" : "wavelength";
    const std::pair<std::string, std::string> key{r.get("Region"), r.get("InstanceType")};
    auto& slot = latest[key][r.get("AvailabilityZone")];
    if (slot.timestamp.empty() || r.get("Timestamp") > slot.timestamp) slot = {r.get("Timestamp"), kind, price};
    src[key] = r.get("source");
  }
  int updated = 0;
  for (const auto& [key, azs] : latest) {
    auto& p = book_.at(key.first, key.second);
    std::vector<PriceBook::AzSpot> v;
    std::string newest;
    for (const auto& [az, l] : azs) {
      v.push_back({az, l.zone_kind, l.price, rate_of(p.on_demand)});
      newest = std::max(newest, l.timestamp);
    }
    PriceBook::set_spot_from_azs(p, v, newest.substr(0, 10), src[key]);
    ++updated;
  }
  return updated;
}

int Catalog::apply_price_cache(const std::string& path) {
  auto t = CsvTable::load(path);
  t.require_columns({"instance_type", "region", "kind", "years", "offering_class", "payment", "plan_type", "usd_per_hour",
                     "as_of", "source"});
  int n = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto r = t.row(i);
    const double usd = r.number("usd_per_hour");
    if (!(usd > 0)) fail_at(r.where("usd_per_hour"), "expected a positive price");
    const std::string& kind = r.get("kind");
    auto& p = book_.at(r.get("region"), r.get("instance_type"));
    const int years = static_cast<int>(r.number("years"));
    Rate rate{usd, "", r.get("as_of"), r.get("source")};
    if (kind == "on-demand") {
      rate.label = "on-demand (live)";
      p.on_demand = rate;  // live replaces the snapshot whatever its date
    } else if (kind == "ri") {
      rate.label = fmt::format("RI {}y {} {} (live)", years, r.get("offering_class"), r.get("payment"));
      if (ReservedRate* same = p.find_reserved(years, r.get("offering_class"), r.get("payment"))) {
        same->rate = rate;
      } else {
        p.reserved.push_back({years, r.get("offering_class"), r.get("payment"), rate});
      }
    } else if (kind == "sp") {
      rate.label = fmt::format("Savings Plan {}y {} {} (live)", years, r.get("plan_type"), r.get("payment"));
      if (SavingsPlanRate* same = p.find_savings_plan(years, r.get("plan_type"), r.get("payment"))) {
        same->rate = rate;
      } else {
        p.savings_plans.push_back({years, r.get("plan_type"), r.get("payment"), rate});
      }
    } else {
      fail_at(r.where("kind"), "expected on-demand, ri or sp");
    }
    ++n;
  }
  return n;
}

void Catalog::load_families(const std::string& path) {
  auto t = CsvTable::load(path);
  t.require_columns({"family", "kind", "accelerator", "counts_as_accelerated_spend", "source"});
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto r = t.row(i);
    const std::string& counts = r.get("counts_as_accelerated_spend");
    if (counts != "yes" && counts != "no") fail_at(r.where("counts_as_accelerated_spend"), "expected yes or no");
    families_[r.get("family")] = {r.get("family"), r.get("kind"), r.get("accelerator"), counts == "yes"};
  }
}

const AcceleratedFamily* Catalog::find_family(const std::string& instance_type) const {
  std::string t = instance_type.rfind("ml.", 0) == 0 ? instance_type.substr(3) : instance_type;
  auto f = families_.find(t.substr(0, t.find('.')));
  return f == families_.end() ? nullptr : &f->second;
}

void Catalog::select_region(const std::string& region) {
  const Region* r = book_.find_region(region);
  if (!r) {
    std::vector<std::string> codes;
    for (const auto& x : book_.regions()) codes.push_back(x.code);
    throw Error(fmt::format("--region: unknown region '{}'{}", region, did_you_mean(region, codes)));
  }
  if (r->kind != "commercial") {
    throw Error(fmt::format("--region: {} is a {} region; frugal prices commercial regions only", region, r->kind));
  }
  region_ = region;
  for (auto& it : instances_) {
    const RegionPrices* p = book_.find(region, it.name);
    it.prices = p ? p : &no_prices_;
  }
}

const InstanceType* Catalog::find_instance(const std::string& name) const {
  for (const auto& i : instances_) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

const ModelSpec* Catalog::find_model(const std::string& name) const {
  auto match = [&](const std::string& n) -> const ModelSpec* {
    for (const auto& m : models_) {
      if (lower(m.name) == n) return &m;
      for (const auto& a : m.aliases) {
        if (lower(a) == n) return &m;
      }
    }
    return nullptr;
  };
  const std::string n = lower(name);
  if (const ModelSpec* m = match(n)) return m;
  // A Hugging Face id ("meta-llama/Llama-3.1-8B-Instruct") whose repository name is a known name,
  // or is one with a fine-tune suffix: instruct and chat variants share the base architecture.
  std::string repo = n.substr(n.rfind('/') == std::string::npos ? 0 : n.rfind('/') + 1);
  if (repo != n) {
    if (const ModelSpec* m = match(repo)) return m;
  }
  for (const char* suffix : {"-instruct", "-chat", "-hf", "-base", "-it"}) {
    const std::string sfx = suffix;
    if (repo.size() > sfx.size() && repo.compare(repo.size() - sfx.size(), sfx.size(), sfx) == 0) {
      if (const ModelSpec* m = match(repo.substr(0, repo.size() - sfx.size()))) return m;
    }
  }
  return nullptr;
}

std::vector<std::string> Catalog::model_names() const {
  std::vector<std::string> out;
  for (const auto& m : models_) {
    out.push_back(m.name);
    out.insert(out.end(), m.aliases.begin(), m.aliases.end());
  }
  return out;
}

std::string Catalog::unknown_model_message(const std::string& name) const {
  return fmt::format("unknown model '{}'{} (frugal catalog models lists them; frugal catalog add-model "
                     "config.json adds one)", name, did_you_mean(name, model_names()));
}

const Precision* Catalog::find_precision(const std::string& name) const {
  for (const auto& p : precisions_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string> Catalog::precision_names() const {
  std::vector<std::string> names;
  for (const auto& p : precisions_) names.push_back(p.name);
  return names;
}

const Accelerator* Catalog::find_accelerator(const std::string& id) const {
  for (const auto& a : accelerators_) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

}  // namespace frugal
