#include "perf/accuracy.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "catalog/catalog.h"
#include "core/error.h"
#include "test_util.h"

using namespace frugal;

namespace {
const std::string kData = FRUGAL_TEST_DATA_DIR;

Prediction pred(const std::string& acc, const std::string& stack, double error) {
  Prediction p;
  p.accelerator = acc;
  p.stack = stack;
  p.error = error;
  return p;
}

// Two groups: H100 / trt-llm with errors 5%, -10%, 20% and L40S / trt-llm with one of 50%.
CrossValidation two_groups() {
  CrossValidation cv;
  cv.folds.resize(2);
  cv.predictions = {pred("H100-80GB", "trt-llm", 0.05), pred("H100-80GB", "trt-llm", -0.10),
                    pred("H100-80GB", "trt-llm", 0.20), pred("L40S", "trt-llm", 0.50)};
  cv.total_rows = 5;
  return cv;
}
}  // namespace

// The per-group figures are the cross-validation's, and survive the file round trip.
TEST(Accuracy, GroupsComeFromTheCrossValidationAndRoundTrip) {
  const Accuracy a = Accuracy::from(two_groups(), "mine.csv", "00000000000000aa", "00000000000000bb");
  ASSERT_EQ(a.groups.size(), 2u);
  const AccuracyGroup* h = a.find("H100-80GB", "trt-llm");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->error.rows, 3u);
  EXPECT_NEAR(h->error.median_abs, 0.10, 1e-12);
  EXPECT_NEAR(h->error.max_abs, 0.20, 1e-12);
  EXPECT_EQ(a.find("H100-80GB", "tgi-v1"), nullptr);
  EXPECT_EQ(a.overall.rows, 4u);
  EXPECT_EQ(a.rows_total, 5u);
  EXPECT_EQ(a.sources, 2u);

  const std::string p = write_temp("frugal_accuracy.toml", a.to_toml());
  const Accuracy b = Accuracy::load(p);
  EXPECT_EQ(b.path, p);
  EXPECT_EQ(b.efficiency_fingerprint, "00000000000000aa");
  EXPECT_EQ(b.measured, "mine.csv");
  ASSERT_EQ(b.groups.size(), 2u);
  EXPECT_NEAR(b.find("L40S", "trt-llm")->error.p90_abs, 0.50, 1e-4);
  EXPECT_NEAR(b.overall.median_abs, a.overall.median_abs, 1e-4);
  EXPECT_EQ(b.rows_evaluated, 4u);
}

// An estimate quotes its own group; a pair never measured gets the overall figure and says so;
// factors changed since the file was written make it stale (no figure shown); no file, no figure.
TEST(Accuracy, AnEstimateSaysHowFarItsGroupHasBeenOff) {
  const std::string factors = write_temp("frugal_acc_eff.toml", "[defaults]\n# the factors' bytes are all that matter here\n");
  const Accuracy a = Accuracy::from(two_groups(), "mine.csv", file_fingerprint(factors), "x");

  const AccuracyNote known = describe_accuracy(&a, factors, "H100-80GB", "trt-llm");
  EXPECT_TRUE(known.measured);
  EXPECT_FALSE(known.stale);
  ASSERT_NE(known.group, nullptr);
  EXPECT_NE(known.text.find("median |error| 10.0%"), std::string::npos) << known.text;
  EXPECT_NE(known.text.find("3 published rows"), std::string::npos) << known.text;

  const AccuracyNote unknown = describe_accuracy(&a, factors, "L4", "trt-llm");
  EXPECT_FALSE(unknown.measured);
  EXPECT_EQ(unknown.group, nullptr);
  EXPECT_NE(unknown.text.find("the fit saw no measurement of L4 / trt-llm"), std::string::npos) << unknown.text;
  EXPECT_NE(unknown.text.find("all 4 rows"), std::string::npos) << unknown.text;

  std::ofstream(factors, std::ios::app) << "# refitted\n";
  const AccuracyNote stale = describe_accuracy(&a, factors, "H100-80GB", "trt-llm");
  EXPECT_TRUE(stale.stale);
  EXPECT_EQ(stale.group, nullptr);
  EXPECT_EQ(stale.text.find("%"), std::string::npos) << "a stale file's figures are shown: " << stale.text;

  const AccuracyNote none = describe_accuracy(nullptr, factors, "H100-80GB", "trt-llm");
  EXPECT_FALSE(none.measured);
  EXPECT_NE(none.text.find("--cross-validate --write"), std::string::npos) << none.text;
}

TEST(Accuracy, MalformedFilesNameWhereAndWhat) {
  {
    std::string text = Accuracy::from(two_groups(), "mine.csv", "aa", "bb").to_toml();
    text.replace(text.find("sources = 2"), 11, "sources = -3");
    try {
      Accuracy::load(write_temp("frugal_acc_count.toml", text));
      FAIL() << "a negative count loaded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("sources to be a whole number"), std::string::npos) << e.what();
    }
  }
  const Accuracy a = Accuracy::from(two_groups(), "mine.csv", "aa", "bb");
  std::string text = a.to_toml();
  const std::string no_overall = write_temp("frugal_acc_no_overall.toml", text.substr(0, text.find("[overall]")));
  try {
    Accuracy::load(no_overall);
    FAIL() << "a file without [overall] loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[overall]"), std::string::npos) << e.what();
  }
  std::string negative = text;
  const auto at = negative.rfind("p90_abs_error = ");
  negative.replace(at, negative.find('\n', at) - at, "p90_abs_error = -0.5");
  try {
    Accuracy::load(write_temp("frugal_acc_negative.toml", negative));
    FAIL() << "a negative error loaded";
  } catch (const Error& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("frugal_acc_negative.toml:"), std::string::npos) << w;
    EXPECT_NE(w.find("p90_abs_error >= 0"), std::string::npos) << w;
  }
}

// The bundled accuracy describes the bundled factors and measurements (rerun `frugal perf validate
// --cross-validate --write` after a refit or new rows), and covers every group the rows measure.
TEST(Accuracy, TheBundledFileDescribesTheBundledModel) {
  const auto a = load_accuracy(kData, "");
  ASSERT_TRUE(a) << "data/perf/accuracy.toml is missing";
  EXPECT_EQ(a->efficiency_fingerprint, file_fingerprint(kData + "/perf/efficiency.toml"))
      << "efficiency.toml changed since accuracy.toml was written: rerun `frugal perf validate --cross-validate --write`";
  EXPECT_EQ(a->measured_fingerprint, file_fingerprint(kData + "/perf/measured.csv"))
      << "measured.csv changed since accuracy.toml was written: rerun `frugal perf validate --cross-validate --write`";
  auto cat = Catalog::load(kData);
  auto eff = Efficiency::load(kData + "/perf/efficiency.toml");
  auto map = ValidationMap::load(kData + "/perf/validation.toml");
  std::vector<Unmodelled> skipped;
  const auto preds = predict_measured(load_measured(kData + "/perf/measured.csv"), cat, eff, map, "measured.csv", &skipped);
  std::set<std::pair<std::string, std::string>> groups;
  for (const auto& p : preds) groups.insert({p.accelerator, p.stack});
  for (const auto& [acc, stack] : groups) EXPECT_NE(a->find(acc, stack), nullptr) << acc << " / " << stack;
  EXPECT_EQ(a->groups.size(), groups.size());
  EXPECT_EQ(a->rows_total, preds.size() + skipped.size());
}

// The independent check is scored per accelerator / stack with the factors in use, and an estimate
// for a pair it covers quotes it after the out-of-sample figure; other pairs are left alone.
TEST(Accuracy, TheIndependentCheckIsQuotedForThePairsItCovers) {
  auto cat = Catalog::load(kData);
  auto eff = Efficiency::load(kData + "/perf/efficiency.toml");
  const auto check = independent_check(kData, cat, eff);
  ASSERT_TRUE(check.has_value());
  const AccuracyGroup* inf2 = check->find("Inferentia2-core", "neuronx");
  const AccuracyGroup* trn2 = check->find("Trainium2-core", "neuronx");
  const AccuracyGroup* h100 = check->find("H100-80GB", "trt-llm");  // the NIM concurrency sweeps
  ASSERT_NE(inf2, nullptr);
  ASSERT_NE(trn2, nullptr);
  ASSERT_NE(h100, nullptr);
  EXPECT_EQ(inf2->error.rows, 18u);
  EXPECT_EQ(trn2->error.rows, 6u);
  EXPECT_EQ(h100->error.rows, 27u);
  EXPECT_EQ(check->groups.size(), 3u);
  // The same figure as scoring the Trainium2 rows alone.
  std::vector<MeasuredRow> trn2_rows;
  for (const auto& r : load_measured(independent_check_path(kData))) {
    if (r.instance.rfind("trn2", 0) == 0) trn2_rows.push_back(r);
  }
  const auto map = ValidationMap::load(kData + "/perf/validation.toml");
  const ErrorSummary alone = summarize(predict_measured(trn2_rows, cat, eff, map, "x.csv", nullptr));
  EXPECT_DOUBLE_EQ(alone.median_abs, trn2->error.median_abs);
  EXPECT_DOUBLE_EQ(alone.p90_abs, trn2->error.p90_abs);
  // Optimistic: a latency predicted below the measurement, a throughput above it.
  std::size_t optimistic = 0;
  for (const auto& p : predict_measured(trn2_rows, cat, eff, map, "x.csv", nullptr)) {
    const bool throughput = p.row.metric == "output_throughput";
    optimistic += (throughput ? p.predicted > p.row.value : p.predicted < p.row.value) ? 1 : 0;
  }
  EXPECT_EQ(trn2->optimistic, optimistic);

  const auto acc = load_accuracy(kData, "");
  ASSERT_TRUE(acc.has_value());
  const AccuracyNote note = describe_accuracy(&*acc, eff.path, "Inferentia2-core", "neuronx", &*check);
  EXPECT_TRUE(note.measured);
  EXPECT_EQ(note.independent, inf2);
  EXPECT_NE(note.text.find("independent check"), std::string::npos) << note.text;
  EXPECT_NE(note.text.find("over 18 rows"), std::string::npos) << note.text;
  EXPECT_EQ(note.to_json()["independent_check"]["rows"], 18);
  EXPECT_EQ(note.to_json()["independent_check"]["optimistic_rows"], inf2->optimistic);
  EXPECT_NE(note.text.find(fmt::format("{} of them predicted better than measured", inf2->optimistic)), std::string::npos) << note.text;
  EXPECT_DOUBLE_EQ(check->bias_p, map.independent_bias_p);
  EXPECT_EQ(note.biased, inf2->optimistic_p < check->bias_p);
  EXPECT_EQ(note.biased, note.text.find("Caution") != std::string::npos) << note.text;
  const AccuracyNote h100_note = describe_accuracy(&*acc, eff.path, "H100-80GB", "trt-llm", &*check);
  EXPECT_EQ(h100_note.independent, h100);
  EXPECT_NE(h100_note.text.find("over 27 rows"), std::string::npos) << h100_note.text;
  // A pair the check does not cover keeps the out-of-sample figure alone.
  const AccuracyNote a100 = describe_accuracy(&*acc, eff.path, "A100-80GB", "trt-llm", &*check);
  EXPECT_TRUE(a100.measured);
  EXPECT_EQ(a100.independent, nullptr);
  EXPECT_EQ(a100.text.find("independent check"), std::string::npos) << a100.text;
  EXPECT_FALSE(a100.to_json().contains("independent_check"));

  const std::string empty = temp_path("frugal_no_check_data");
  std::filesystem::create_directories(empty + "/perf");
  EXPECT_FALSE(independent_check(empty, cat, eff).has_value());
  std::filesystem::remove_all(empty);
}

// The sign test, exactly: all of n one way is 2^-n; 3 of 6 is 42/64; none is certain.
TEST(Accuracy, SignTestIsTheBinomialTail) {
  EXPECT_DOUBLE_EQ(sign_test_p(0, 6), 1.0);
  EXPECT_NEAR(sign_test_p(3, 6), 42.0 / 64, 1e-12);
  EXPECT_NEAR(sign_test_p(18, 18), std::pow(2.0, -18), 1e-15);
  EXPECT_NEAR(sign_test_p(13, 18), (8568.0 + 3060 + 816 + 153 + 18 + 1) / 262144, 1e-12);
}

// A check whose rows lean optimistic beyond chance adds a caution; one that does not, none.
TEST(Accuracy, AOneSidedCheckAddsACaution) {
  const std::string factors = write_temp("frugal_acc_eff2.toml", "[defaults]\n");
  const Accuracy a = Accuracy::from(two_groups(), "mine.csv", file_fingerprint(factors), "x");
  IndependentCheck c;
  c.path = "/x/independent_check.csv";
  c.bias_p = 0.05;
  c.groups.push_back({"H100-80GB", "trt-llm", ErrorSummary{10, 0.3, 0.5, 0.6}, 10, sign_test_p(10, 10)});
  c.groups.push_back({"L40S", "trt-llm", ErrorSummary{10, 0.3, 0.5, 0.6}, 6, sign_test_p(6, 10)});
  const AccuracyNote one_sided = describe_accuracy(&a, factors, "H100-80GB", "trt-llm", &c);
  EXPECT_TRUE(one_sided.biased);
  EXPECT_NE(one_sided.text.find("10 of them predicted better than measured. Caution"), std::string::npos) << one_sided.text;
  EXPECT_EQ(one_sided.to_json()["independent_check"]["biased"], true);
  const AccuracyNote mixed = describe_accuracy(&a, factors, "L40S", "trt-llm", &c);
  EXPECT_FALSE(mixed.biased);
  EXPECT_EQ(mixed.text.find("Caution"), std::string::npos) << mixed.text;
  EXPECT_NE(mixed.text.find("6 of them"), std::string::npos) << mixed.text;
}
