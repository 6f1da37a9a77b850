// Mutation fuzzing of every parser that reads user input: CSV, TOML (workload files), units.
// Deterministic (fixed seed) so a failure reproduces; the contract is "parse or throw
// frugal::Error", never crash or throw anything else. Runs under ASan+UBSan in CI.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "advise/workload.h"
#include "core/csv.h"
#include "core/error.h"
#include "core/toml_util.h"
#include "core/units.h"

namespace {

struct Rng {
  std::uint64_t s = 0x9E3779B97F4A7C15ull;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  std::size_t below(std::size_t n) { return n ? next() % n : 0; }
};

std::string mutate(std::string s, Rng& r) {
  static const char kInteresting[] = {'"', ',', '\n', '\r', '=', '[', ']', '{', '}', '\\', '#', '\0', '\xff', ' ', '.', 'e', '-'};
  const int edits = 1 + static_cast<int>(r.below(4));
  for (int i = 0; i < edits; ++i) {
    const std::size_t pos = r.below(s.size() + 1);
    switch (r.below(5)) {
      case 0: if (pos < s.size()) s.erase(pos, 1 + r.below(8)); break;
      case 1: s.insert(pos, 1, kInteresting[r.below(sizeof kInteresting)]); break;
      case 2: if (pos < s.size()) s[pos] = static_cast<char>(r.next()); break;
      case 3: s.resize(pos); break;
      default: s.insert(pos, s.substr(r.below(s.size() + 1), r.below(16))); break;
    }
  }
  return s;
}

template <typename F>
void fuzz(const std::vector<std::string>& seeds, int iterations, F parse) {
  Rng rng;
  for (int i = 0; i < iterations; ++i) {
    const std::string input = mutate(seeds[i % seeds.size()], rng);
    try {
      parse(input);
    } catch (const frugal::Error&) {
      // expected for bad input
    } catch (const std::exception& e) {
      FAIL() << "non-frugal exception '" << e.what() << "' for input: " << input;
    }
  }
}

}  // namespace

TEST(Fuzz, CsvTable) {
  fuzz({"a,b,c\n1,\"x,y\",3\n", "InstanceType,Price\np5.48xlarge,55.04\n\"q\"\"q\",1\n"}, 20000, [](const std::string& s) {
    std::istringstream in(s);
    auto t = frugal::CsvTable::parse(in, "fuzz.csv");
    for (std::size_t i = 0; i < t.size(); ++i) (void)t.row(i).optional_number(t.has_column("Price") ? "Price" : "a");
  });
}

TEST(Fuzz, WorkloadToml) {
  const std::string seed =
      "[[workload]]\nname = \"x\"\nmodel = \"llama-2-7b\"\nrate = \"5/s\"\ntpot_slo = \"100ms\"\n"
      "precision = [\"bf16\", \"fp8\"]\n[[workload]]\nmodel = \"bert-large\"\ntask = \"train\"\ntokens = \"2e9\"\n";
  fuzz({seed}, 5000, [](const std::string& s) {
    auto t = frugal::parse_toml(s, "fuzz.toml");
    (void)t;
  });
}

TEST(Fuzz, Units) {
  fuzz({"100ms", "5/s", "2e9", "20GiB", "7d"}, 20000, [](const std::string& s) {
    (void)frugal::parse_duration(s, "d");
    (void)frugal::parse_rate(s, "r");
    (void)frugal::parse_count(s, "c");
    (void)frugal::parse_bytes(s, "b");
  });
}
