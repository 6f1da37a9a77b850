// `frugal bill synth`: writes a synthetic bill (CUR or FOCUS, gzip by default) and lists the
// incidents injected into it, so `frugal bill` can be tried, tested and benchmarked without a
// real bill. The file name always says "synthetic".
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <streambuf>

#include "billing/synth.h"
#include "catalog/catalog.h"
#include "cli/common.h"
#include "core/data_dir.h"
#include "core/error.h"

namespace frugal::cli {
namespace {

// A std::streambuf that gzip-compresses into a file.
class GzOut : public std::streambuf {
 public:
  explicit GzOut(const std::string& path) : f_(gzopen(path.c_str(), "wb6")) {
    if (!f_) throw Error(fmt::format("{}: cannot write", path));
    setp(buf_, buf_ + sizeof buf_);
  }
  ~GzOut() override {
    if (f_) gzclose(f_);
  }
  void close() {
    flush_buf();
    if (gzclose(f_) != Z_OK) throw Error("gzip write failed");
    f_ = nullptr;
  }

 protected:
  int_type overflow(int_type c) override {
    flush_buf();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override {
    flush_buf();
    return 0;
  }

 private:
  void flush_buf() {
    const auto n = static_cast<unsigned>(pptr() - pbase());
    if (n > 0 && gzwrite(f_, pbase(), n) != static_cast<int>(n)) throw Error("gzip write failed");
    setp(buf_, buf_ + sizeof buf_);
  }
  gzFile f_;
  char buf_[1 << 16];
};

struct SynthCmd {
  billing::SynthOptions s;
  std::string bill_format = "cur";
  std::string out_dir = ".";
  bool no_gzip = false;
};

void run_synth(const GlobalOptions& g, const SynthCmd& o) {
  billing::SynthOptions s = o.s;
  s.format = o.bill_format == "focus" ? billing::Format::kFocus : billing::Format::kCurLegacy;
  const std::string data_dir = resolve_data_dir(g.data_dir);
  const Catalog cat = Catalog::load(data_dir);
  const auto figures = billing::load_synth_figures(data_dir);
  std::filesystem::create_directories(o.out_dir);
  const std::string name = fmt::format("synthetic-{}-seed{}-{}d{}{}{}.csv{}", o.bill_format, s.seed, s.days,
                                       s.scale == 1 ? "" : fmt::format("-x{:g}", s.scale), s.accounts > 1 ? fmt::format("-a{}", s.accounts) : "",
                                       s.adversarial_keys ? "-adversarial" : "", o.no_gzip ? "" : ".gz");
  const std::string path = (std::filesystem::path(o.out_dir) / name).string();
  const std::string tmp = path + fmt::format(".tmp{}", getpid());
  billing::SynthResult r;
  try {
    if (o.no_gzip) {
      std::ofstream out(tmp, std::ios::binary);
      if (!out) throw Error(fmt::format("{}: cannot write", tmp));
      r = billing::synthesize_bill(cat, figures, s, out);
      out.close();
      if (!out) throw Error(fmt::format("{}: write failed", tmp));
    } else {
      GzOut buf(tmp);
      std::ostream out(&buf);
      r = billing::synthesize_bill(cat, figures, s, out);
      out.flush();
      buf.close();
    }
    std::filesystem::rename(tmp, path);  // never leave a half-written bill under the final name
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
  Table t;
  t.title = fmt::format("Synthetic bill written: {}", path);
  t.columns = {{"date", "from"}, {"days", "days", true}, {"instance_type", "instance type"},
               {"extra_usd", "extra spend", true}, {"what", "injected incident"}};
  for (const auto& i : r.incidents) {
    t.rows.push_back({Cell(i.date), Cell(std::to_string(i.days), i.days), Cell(i.instance_type),
                      Cell(fmt::format("${:.2f}", i.extra_usd), i.extra_usd), Cell(i.what)});
  }
  t.notes.push_back(fmt::format("{} lines, {} format, {} days from {}, seed {}, scale {:g}", r.lines, o.bill_format, s.days,
                                s.start, s.seed, s.scale));
  t.notes.push_back(fmt::format("total ${:.2f} effective, of which GPU/accelerator ${:.2f}", r.total_usd, r.gpu_usd));
  if (r.incidents.empty()) t.notes.push_back("no incidents injected: they need at least 21 days");
  nlohmann::json inc = t.to_json()["rows"];
  emit(g, {t}, {{"path", path}, {"lines", r.lines}, {"total_usd", r.total_usd}, {"gpu_usd", r.gpu_usd}, {"incidents", inc}});
}

}  // namespace

void register_bill_synth(CLI::App* bill, GlobalOptions& g) {
  auto o = std::make_shared<SynthCmd>();
  auto* c = bill->add_subcommand("synth", "Write a synthetic GPU-fleet bill with injected incidents (for trying and testing)");
  c->add_option("--days", o->s.days, "Days of usage (default 60)")->check(CLI::Range(1, 3660));
  c->add_option("--start", o->s.start, "First day, YYYY-MM-DD (default 2025-09-01)");
  c->add_option("--seed", o->s.seed, "Random seed (default 42): the same seed gives the same bill");
  c->add_option("--scale", o->s.scale, "Fleet size multiplier (default 1: ~15 instances)")->check(CLI::PositiveNumber);
  c->add_option("--accounts", o->s.accounts, "Usage accounts the fleet is spread over (default 1)")->check(CLI::Range(1, 100000000));
  c->add_option_function<std::string>(
       "--cardinality", [o](const std::string& v) { o->s.adversarial_keys = v == "adversarial"; },
       "realistic (default) or adversarial: a new account and resource id on every line, a new tag value every two")
      ->check(CLI::IsMember({"realistic", "adversarial"}));
  c->add_option("--bill-format", o->bill_format, "cur (legacy CUR CSV) or focus (FOCUS 1.0)")->check(CLI::IsMember({"cur", "focus"}));
  c->add_option("--out-dir", o->out_dir, "Folder for the file (default: current folder)");
  c->add_flag("--no-gzip", o->no_gzip, "Write plain CSV instead of .csv.gz");
  c->callback([&g, o] { run_synth(g, *o); });
}

}  // namespace frugal::cli
