// `frugal alert run` below the CLI: the rules file, each rule's arithmetic, and the state machine
// (dedup, resolution, bounded retries, queued failures, dry run, the run lock) with a notifier
// that records what it was given and fails on demand.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "alert/config.h"
#include "alert/evaluate.h"
#include "alert/run.h"
#include "alert/state.h"
#include "core/error.h"
#include "core/temp_dir.h"

using namespace frugal;
using namespace frugal::alert;

namespace {

const char* kRules = R"(
[sources]
bills = ["bills/"]
agent_histories = ["telemetry.db"]

[[rule]]
name = "daily"
kind = "daily_spend"
threshold_usd = 500

[[rule]]
name = "forecast"
kind = "forecast"
budget_usd = 2500

[[rule]]
name = "anomaly"
kind = "anomaly"
min_impact_usd = 100
min_impact_pct = 50

[[rule]]
name = "idle"
kind = "idle_dollars"
threshold_usd = 4
period = "24h"

[[notify]]
kind = "stdout"
)";

Defaults defaults() {
  Defaults d;
  d.attempts_per_run = 3;
  d.retry_backoff_seconds = 0.5;
  d.alertmanager_hold_seconds = 3600;
  d.anomaly_lookback_days = 3;
  d.cost_explorer_days = 45;
  d.forecast_days = 7;
  return d;
}

billing::AnomalySettings anomaly_settings() { return billing::load_anomaly_settings(FRUGAL_TEST_DATA_DIR); }

AlertConfig config() { return parse_alert_config(kRules, "rules.toml"); }

// Days 1..n of February 2026 at `per_day` dollars, split over two instance types.
Inputs february(int n, double per_day) {
  Inputs in;
  in.now = 1771000000;
  for (int d = 1; d <= n; ++d) {
    const std::string date = fmt::format("2026-02-{:02d}", d);
    in.daily[date]["p5.48xlarge"] = per_day * 0.75;
    in.daily[date]["g5.xlarge"] = per_day * 0.25;
  }
  in.spend_source = "test bill";
  return in;
}

const Finding* find(const std::vector<Finding>& fs, const std::string& rule) {
  for (const auto& f : fs) {
    if (f.rule == rule) return &f;
  }
  return nullptr;
}

std::string error_of(const std::string& text) {
  try {
    parse_alert_config(text, "r.toml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// Records every send; fails while `failing` is set.
class RecordingNotifier : public Notifier {
 public:
  struct Sent {
    std::string event, rule, key;
  };
  std::vector<Sent>* sent;
  bool* failing;
  int* calls;
  RecordingNotifier(std::vector<Sent>* s, bool* f, int* c) : sent(s), failing(f), calls(c) {}
  void send(const std::string& event, const StoredAlert& a, double) override {
    ++*calls;
    if (*failing) throw Error("receiver down");
    sent->push_back({event, a.rule, a.key});
  }
};

}  // namespace

TEST(AlertConfig, ParsesRulesSourcesAndNotifiers) {
  const AlertConfig c = config();
  ASSERT_EQ(c.rules.size(), 4u);
  EXPECT_EQ(c.rules[0].kind, RuleKind::kDailySpend);
  EXPECT_DOUBLE_EQ(c.rules[0].threshold_usd, 500);
  EXPECT_DOUBLE_EQ(c.rules[3].period_seconds, 86400);
  EXPECT_EQ(c.sources.bills, std::vector<std::string>{"bills/"});
  ASSERT_EQ(c.notifiers.size(), 1u);
  EXPECT_EQ(c.notifiers[0].name, "stdout");
}

TEST(AlertConfig, MistakesNameFileLineAndColumn) {
  EXPECT_EQ(error_of("[[rule]]\nname = \"a\"\nkind = \"daily_spend\"\nthreshold_usd = -1\n[[notify]]\nkind = \"stdout\"\n"),
            "r.toml:4:17: expected a number > 0 for 'threshold_usd'");
  EXPECT_EQ(error_of("[sources]\nbills = [\"b\"]\n[[rule]]\nname = \"a\"\nkind = \"daily_spend\"\nthreshold = 5\n[[notify]]\nkind = \"stdout\"\n"),
            "r.toml:6:13: unknown key 'threshold' in a daily_spend rule; did you mean 'threshold_usd'?");
  EXPECT_EQ(error_of("[sources]\nbills = [\"b\"]\n[[rule]]\nname = \"a\"\nkind = \"forecast\"\nbudget_usd = 5\n[[notify]]\nkind = \"sns\"\ntopic_arn = \"my-topic\"\n"),
            "r.toml:9:13: expected an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got 'my-topic'");
  EXPECT_EQ(error_of("[sources]\nbills = [\"b\"]\n[[rule]]\nname = \"a\"\nkind = \"forecast\"\nbudget_usd = 5\n[[notify]]\nkind = \"webhook\"\nurl = \"hooks.slack.com/x\"\n"),
            "r.toml:9:7: expected an http:// or https:// URL, got 'hooks.slack.com/x'");
  EXPECT_EQ(error_of("[sources]\nagent_histories = [\"t.db\"]\n[[rule]]\nname = \"a\"\nkind = \"idle_dollars\"\nthreshold_usd = 1\nperiod = \"a while\"\n[[notify]]\nkind = \"stdout\"\n")
                .substr(0, 13),
            "r.toml:7:10: ");
  EXPECT_NE(error_of("[sources]\nbills = [\"b\"]\n[[rule]]\nname = \"a\"\nkind = \"forecast\"\nbudget_usd = 5\n").find("expected at least one [[notify]]"),
            std::string::npos);
  EXPECT_NE(error_of("[sources]\nbills = [\"b\"]\ncost_explorer = true\n").find("r.toml:3:17: expected one source of daily spend"), std::string::npos);
}

TEST(AlertEvaluate, DailySpendComparesTheLastDayWithTheThreshold) {
  AlertConfig c = config();
  auto f = evaluate(c, february(10, 500.01), defaults(), anomaly_settings());
  const Finding* d = find(f, "daily");
  ASSERT_NE(d, nullptr);
  EXPECT_NEAR(d->value_usd, 500.01, 1e-9);
  EXPECT_EQ(d->labels.at("date"), "2026-02-10");
  EXPECT_EQ(d->summary, "GPU spend on 2026-02-10 was $500.01, over the $500.00 daily threshold");
  // At the threshold exactly: not over it.
  EXPECT_EQ(find(evaluate(c, february(10, 500), defaults(), anomaly_settings()), "daily"), nullptr);
}

TEST(AlertEvaluate, ForecastIsMonthToDatePlusTheLastWeeksAverageForTheRestOfTheMonth) {
  AlertConfig c = config();
  // 10 days of February 2026 at $100: $1,000 so far, 18 days left at $100 -> $2,800.
  auto f = evaluate(c, february(10, 100), defaults(), anomaly_settings());
  const Finding* fc = find(f, "forecast");
  ASSERT_NE(fc, nullptr);
  EXPECT_NEAR(fc->value_usd, 2800, 1e-9);
  EXPECT_EQ(fc->key, "2026-02");
  c.rules[1].budget_usd = 2800;
  EXPECT_EQ(find(evaluate(c, february(10, 100), defaults(), anomaly_settings()), "forecast"), nullptr);
  // A last week at $200 (days 4-10) and $100 before: $1,700 so far + 18 x $200 = $5,300.
  Inputs in = february(10, 100);
  for (int d = 4; d <= 10; ++d) {
    for (auto& [t, v] : in.daily[fmt::format("2026-02-{:02d}", d)]) v *= 2;
  }
  c.rules[1].budget_usd = 5000;
  const auto raised = evaluate(c, in, defaults(), anomaly_settings());
  const Finding* up = find(raised, "forecast");
  ASSERT_NE(up, nullptr);
  EXPECT_NEAR(up->value_usd, 5300, 1e-9);
}

TEST(AlertEvaluate, AnomaliesAreNewsOnlyWithinTheLookback) {
  AlertConfig c = config();
  // 5 weeks of steady spend with day-to-day noise, then the last day at 3x.
  Inputs in;
  in.now = 1771000000;
  for (int d = 0; d < 35; ++d) {
    const std::string date = billing::civil_from_days(billing::days_from_civil("2026-01-01") + d);
    in.daily[date]["p4d.24xlarge"] = 1000 + 37 * (d % 5);
  }
  const std::string last = in.daily.rbegin()->first;
  in.daily[last]["p4d.24xlarge"] = 3000;
  auto f = evaluate(c, in, defaults(), anomaly_settings());
  const Finding* a = find(f, "anomaly");
  ASSERT_NE(a, nullptr) << "no anomaly on a 3x day";
  EXPECT_EQ(a->labels.at("date"), last);
  EXPECT_GT(a->value_usd, 1500);
  // The same day, but with 5 more ordinary days after it: history, not news.
  for (int d = 35; d < 40; ++d) {
    in.daily[billing::civil_from_days(billing::days_from_civil("2026-01-01") + d)]["p4d.24xlarge"] = 1000 + 37 * (d % 5);
  }
  EXPECT_EQ(find(evaluate(c, in, defaults(), anomaly_settings()), "anomaly"), nullptr);
  // Raised when the impact reaches either minimum: dollars or percent.
  in.daily.erase(std::prev(in.daily.end(), 5), in.daily.end());
  c.rules[2].min_impact_usd = 1e6;
  c.rules[2].min_impact_pct = 500;
  EXPECT_EQ(find(evaluate(c, in, defaults(), anomaly_settings()), "anomaly"), nullptr);
  c.rules[2].min_impact_pct = 50;
  EXPECT_NE(find(evaluate(c, in, defaults(), anomaly_settings()), "anomaly"), nullptr) << "the percent alone suffices";
  c.rules[2].min_impact_usd = 100;
  c.rules[2].min_impact_pct = 500;
  EXPECT_NE(find(evaluate(c, in, defaults(), anomaly_settings()), "anomaly"), nullptr) << "the dollars alone suffice";
}

TEST(AlertEvaluate, IdleDollarsOverThePeriod) {
  AlertConfig c = config();
  Inputs in = february(1, 1);
  double asked = 0;
  in.idle_dollars = [&asked](double s) {
    asked = s;
    return 4.5;
  };
  const auto found = evaluate(c, in, defaults(), anomaly_settings());
  const Finding* i = find(found, "idle");
  ASSERT_NE(i, nullptr);
  EXPECT_DOUBLE_EQ(asked, 86400);
  EXPECT_DOUBLE_EQ(i->value_usd, 4.5);
  in.idle_dollars = [](double) { return 4.0; };
  EXPECT_EQ(find(evaluate(c, in, defaults(), anomaly_settings()), "idle"), nullptr);
}

TEST(AlertRun, NotifiesChangesOnceRetriesAndKeepsFailures) {
  TempDir dir("frugal-alert-", "test state");
  const std::string db = (dir.path() / "alerts.db").string();
  AlertConfig c = config();
  c.notifiers = {{"hook", NotifierKind::kWebhook, "http://x", "", {}}};
  std::vector<RecordingNotifier::Sent> sent;
  bool failing = false;
  int calls = 0;
  std::map<std::string, std::unique_ptr<Notifier>> notifiers;
  notifiers["hook"] = std::make_unique<RecordingNotifier>(&sent, &failing, &calls);
  std::vector<double> sleeps;
  RunOptions o;
  o.sleep = [&sleeps](double s) { sleeps.push_back(s); };
  o.now = 1000;
  Inputs in = february(10, 600);  // daily ($600 > $500) and forecast fire

  AlertState state(db);
  // Dry run: transitions shown, nothing recorded or sent.
  o.dry_run = true;
  RunReport dry = run_once(c, in, defaults(), anomaly_settings(), state, notifiers, o);
  EXPECT_EQ(dry.transitions.size(), 2u);
  EXPECT_TRUE(state.firing().empty());
  EXPECT_EQ(calls, 0);
  o.dry_run = false;

  // Run 1, receiver down: 3 attempts per notification, backoff doubling, both kept.
  failing = true;
  RunReport r1 = run_once(c, in, defaults(), anomaly_settings(), state, notifiers, o);
  EXPECT_EQ(r1.transitions.size(), 2u);
  EXPECT_EQ(calls, 6);
  EXPECT_EQ(sleeps, (std::vector<double>{0.5, 1.0, 0.5, 1.0}));
  EXPECT_EQ(r1.still_queued, 2u);
  ASSERT_EQ(state.pending().size(), 2u);
  EXPECT_EQ(state.pending()[0].attempts, 1);
  EXPECT_EQ(state.pending()[0].last_error, "receiver down");
  EXPECT_EQ(state.firing().size(), 2u);

  // Run 2, receiver back: the two queued go out; no new transitions, nothing sent twice.
  failing = false;
  o.now = 2000;
  RunReport r2 = run_once(c, in, defaults(), anomaly_settings(), state, notifiers, o);
  EXPECT_TRUE(r2.transitions.empty());
  ASSERT_EQ(sent.size(), 2u);
  std::set<std::string> rules = {sent[0].rule, sent[1].rule};
  EXPECT_EQ(rules, (std::set<std::string>{"daily", "forecast"}));
  EXPECT_TRUE(state.pending().empty());

  // Run 3, same figures: silence.
  run_once(c, in, defaults(), anomaly_settings(), state, notifiers, o);
  EXPECT_EQ(sent.size(), 2u);

  // Run 4 (a new process would reopen the same file): spend falls under the threshold; daily
  // resolves, and the alert keeps the time it started.
  AlertState reopened(db);
  o.now = 3000;
  RunReport r4 = run_once(c, february(10, 400), defaults(), anomaly_settings(), reopened, notifiers, o);
  ASSERT_EQ(r4.transitions.size(), 1u);
  EXPECT_EQ(r4.transitions[0].event, "resolved");
  EXPECT_EQ(r4.transitions[0].alert.rule, "daily");
  EXPECT_DOUBLE_EQ(r4.transitions[0].alert.started, 1000);
  EXPECT_DOUBLE_EQ(r4.transitions[0].alert.ended, 3000);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2].event, "resolved");
  EXPECT_EQ(reopened.firing().size(), 1u);  // the forecast still holds

  // A notifier removed from the rules file: what was queued for it stays queued.
  failing = true;
  RunReport r5 = run_once(c, february(10, 700), defaults(), anomaly_settings(), reopened, notifiers, o);
  ASSERT_EQ(r5.still_queued, 1u);
  std::map<std::string, std::unique_ptr<Notifier>> none;
  AlertConfig renamed = c;
  renamed.notifiers[0].name = "other";
  RunReport r6 = run_once(renamed, february(10, 700), defaults(), anomaly_settings(), reopened, none, o);
  EXPECT_EQ(r6.still_queued, 1u);
  EXPECT_EQ(reopened.pending().size(), 1u);
}

TEST(AlertRun, OneRunAtATime) {
  TempDir dir("frugal-alert-", "test state");
  const std::string lock = (dir.path() / "alerts.db.lock").string();
  RunLock first(lock);
  try {
    RunLock second(lock);
    FAIL() << "a second lock was granted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another `frugal alert run` is running"), std::string::npos) << e.what();
  }
}
