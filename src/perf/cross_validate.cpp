#include "perf/cross_validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.h"

namespace frugal {

Efficiency neutral_factors(const Efficiency& eff) {
  Efficiency n = eff;
  const FamilyFactors fam0;
  for (auto& [name, f] : n.families()) {
    if (!f.inherits.empty()) continue;
    f.mem_eff = fam0.mem_eff;
    f.compute_eff = fam0.compute_eff;
    f.attn_eff = fam0.attn_eff;
    f.link_eff = fam0.link_eff;
    f.calibrated = false;
  }
  const StackFactors st0;
  for (auto& [name, s] : n.stacks()) s.copy_fitted(st0);
  n.resolve();
  n.fit_note = "";
  return n;
}

namespace {

CrossValidationFold run_fold(const std::string& source, const std::vector<MeasuredRow>& rows, const Catalog& cat,
                             const Efficiency& eff, const ValidationMap& map, const std::string& file,
                             const Efficiency* from, std::vector<Prediction>* preds, std::vector<Unmodelled>* lost) {
  CrossValidationFold fold;
  fold.source = source;
  std::vector<MeasuredRow> train, test;
  for (const auto& r : rows) (r.source == source ? test : train).push_back(r);
  fold.train_rows = train.size();
  const Efficiency start = from ? *from : neutral_factors(eff);
  Efficiency fit = calibrate(train, cat, start, map, file);

  // What the training rows measured: families and stacks with at least one predicted row.
  std::set<std::string> fams, stacks;
  {
    std::vector<Unmodelled> skip;
    for (const auto& p : predict_measured(train, cat, fit, map, file, &skip)) {
      fams.insert(p.family);
      stacks.insert(p.stack);
    }
  }
  // Stand-ins for what they did not.
  for (const auto& x : resolve_rows(test, cat, fit, map)) {
    if (!x.error.empty()) continue;
    const std::string& fam = x.accelerator->family;
    auto& ff = fit.families()[fam];
    if (!fams.count(fam) && ff.inherits.empty() && !ff.similar.empty() && fams.count(ff.similar)) {
      ff.inherits = ff.similar;
      fold.stand_ins.push_back(fmt::format("family {} -> {}", fam, ff.similar));
      fams.insert(fam);
    }
    if (!stacks.count(x.stack)) {
      const std::string& def = fit.default_stack(*x.accelerator);
      if (def != x.stack && stacks.count(def)) {
        fit.stacks()[x.stack].copy_fitted(fit.stacks().at(def));
        fold.stand_ins.push_back(fmt::format("stack {} -> {}", x.stack, def));
      }
      stacks.insert(x.stack);
    }
  }
  fit.resolve();
  *preds = predict_measured(test, cat, fit, map, file, lost);
  fold.test_rows = preds->size();
  fold.error = summarize(*preds);
  return fold;
}

}  // namespace

CrossValidation cross_validate(const std::vector<MeasuredRow>& rows, const Catalog& cat, const Efficiency& eff,
                               const ValidationMap& map, const std::string& file, int threads, const ProgressFn& progress,
                               const Efficiency* start, const std::vector<std::string>& leave_out) {
  auto chosen = [&](const std::string& source) {
    if (leave_out.empty()) return true;
    return std::any_of(leave_out.begin(), leave_out.end(), [&](const std::string& t) { return source.find(t) != std::string::npos; });
  };
  for (const auto& t : leave_out) {
    if (std::none_of(rows.begin(), rows.end(), [&](const MeasuredRow& r) { return r.source.find(t) != std::string::npos; })) {
      throw Error(fmt::format("{}: no source contains \"{}\" (--leave-out)", file, t));
    }
  }
  std::vector<std::string> sources;
  std::size_t total = 0;
  for (const auto& r : rows) {
    if (!chosen(r.source)) continue;
    ++total;
    if (std::find(sources.begin(), sources.end(), r.source) == sources.end()) sources.push_back(r.source);
  }
  struct Result {
    CrossValidationFold fold;
    std::vector<Prediction> preds;
    std::vector<Unmodelled> lost;
  };
  std::vector<Result> results(sources.size());
  std::atomic<std::size_t> next{0};
  std::mutex error_mu;
  std::string first_error;
  std::atomic<std::size_t> done{0};
  auto worker = [&]() {
    for (std::size_t i = next++; i < sources.size(); i = next++) {
      try {
        results[i].fold = run_fold(sources[i], rows, cat, eff, map, file, start, &results[i].preds, &results[i].lost);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (first_error.empty()) first_error = e.what();
      }
      if (progress) progress(static_cast<double>(++done), static_cast<double>(sources.size()), "left out: " + sources[i]);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (!first_error.empty()) throw Error(first_error);

  CrossValidation cv;
  cv.total_rows = total;
  for (auto& r : results) {
    cv.folds.push_back(std::move(r.fold));
    cv.predictions.insert(cv.predictions.end(), r.preds.begin(), r.preds.end());
    cv.unmodelled.insert(cv.unmodelled.end(), r.lost.begin(), r.lost.end());
  }
  std::sort(cv.predictions.begin(), cv.predictions.end(), [](const Prediction& a, const Prediction& b) { return a.row.line < b.row.line; });
  std::sort(cv.unmodelled.begin(), cv.unmodelled.end(), [](const Unmodelled& a, const Unmodelled& b) { return a.row.line < b.row.line; });
  return cv;
}

}  // namespace frugal
