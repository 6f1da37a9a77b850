#include "alert/notify.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "aws/client.h"
#include "billing/decimal.h"
#include "core/error.h"
#include "core/time_util.h"

namespace frugal::alert {

namespace {

std::string iso(double t) { return format_utc(static_cast<std::time_t>(std::floor(t)), "%Y-%m-%dT%H:%M:%SZ"); }

std::string usd(double v) { return billing::format_usd(billing::from_usd(v)); }

// "https://host:port/path?q" -> ("https://host:port", "/path", "q").
struct SplitUrl {
  std::string base, path, query;
};
SplitUrl split_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  SplitUrl s;
  s.base = url.substr(0, path_start);
  std::string rest = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (const auto q = rest.find('?'); q != std::string::npos) {
    s.query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  s.path = rest;
  return s;
}

void post_json(aws::HttpTransport& http, const std::string& url, const std::string& body) {
  const SplitUrl u = split_url(url);
  aws::HttpRequest req;
  req.method = "POST";
  req.path = u.path;
  if (!u.query.empty()) {
    // Already encoded by whoever wrote the URL: pass the pairs through as they are.
    std::size_t at = 0;
    while (at <= u.query.size()) {
      const auto amp = u.query.find('&', at);
      const std::string pair = u.query.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
      const auto eq = pair.find('=');
      if (!pair.empty()) req.query.emplace_back(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
      if (amp == std::string::npos) break;
      at = amp + 1;
    }
  }
  req.body = body;
  req.set_header("Host", aws::url_host(url));
  req.set_header("Content-Type", "application/json");
  const aws::HttpResponse r = http.send(u.base, req);
  if (r.status == 0) throw Error(fmt::format("POST {}: {}", u.base + u.path, r.transport_error));
  if (r.status < 200 || r.status >= 300) throw Error(fmt::format("POST {}: HTTP {}: {}", u.base + u.path, r.status, r.body.substr(0, 200)));
}

nlohmann::json alert_json(const std::string& event, const StoredAlert& a) {
  nlohmann::json labels = nlohmann::json::parse(a.labels_json.empty() ? "{}" : a.labels_json);
  nlohmann::json j = {{"status", event},     {"rule", a.rule},       {"kind", a.kind},
                      {"key", a.key},        {"severity", a.severity}, {"summary", a.summary},
                      {"description", a.description}, {"value_usd", a.value_usd}, {"labels", labels},
                      {"started", iso(a.started)}};
  if (a.ended > 0) j["ended"] = iso(a.ended);
  return j;
}

class StdoutNotifier : public Notifier {
 public:
  explicit StdoutNotifier(std::ostream* out) : out_(out) {}
  void send(const std::string& event, const StoredAlert& a, double) override { *out_ << notification_text(event, a) << "\n" << std::flush; }

 private:
  std::ostream* out_;
};

class WebhookNotifier : public Notifier {
 public:
  WebhookNotifier(std::string url, std::unique_ptr<aws::HttpTransport> http) : url_(std::move(url)), http_(std::move(http)) {}
  void send(const std::string& event, const StoredAlert& a, double) override { post_json(*http_, url_, webhook_body(event, a)); }

 private:
  std::string url_;
  std::unique_ptr<aws::HttpTransport> http_;
};

class AlertmanagerNotifier : public Notifier {
 public:
  AlertmanagerNotifier(std::string url, std::unique_ptr<aws::HttpTransport> http, double hold)
      : url_(std::move(url)), http_(std::move(http)), hold_(hold) {
    while (!url_.empty() && url_.back() == '/') url_.pop_back();
  }
  void send(const std::string& event, const StoredAlert& a, double now) override {
    std::vector<std::pair<std::string, StoredAlert>> one;
    one.emplace_back(event, a);
    post_json(*http_, url_ + "/api/v2/alerts", alertmanager_body(one, now, hold_));
  }
  void refresh(const std::vector<StoredAlert>& firing, double now) override {
    if (firing.empty()) return;
    std::vector<std::pair<std::string, StoredAlert>> events;
    for (const auto& a : firing) events.emplace_back("firing", a);
    post_json(*http_, url_ + "/api/v2/alerts", alertmanager_body(events, now, hold_));
  }

 private:
  std::string url_;
  std::unique_ptr<aws::HttpTransport> http_;
  double hold_;
};

class SnsNotifier : public Notifier {
 public:
  SnsNotifier(std::string topic_arn, aws::AwsConfig cfg) : topic_(std::move(topic_arn)), cfg_(std::move(cfg)) {}
  void send(const std::string& event, const StoredAlert& a, double) override {
    aws::AwsClient sns(cfg_, "sns");
    // Subject: at most 100 ASCII characters (SNS Publish); the message carries the whole alert.
    std::string subject = fmt::format("[{}] frugal: {}", event == "firing" ? "FIRING" : "RESOLVED", a.rule);
    if (subject.size() > 100) subject.resize(100);
    const std::string message = notification_text(event, a) + "\n\n" + a.description + "\n\n" + alert_json(event, a).dump(2);
    try {
      sns.query("Publish", "2010-03-31", {{"TopicArn", topic_}, {"Subject", subject}, {"Message", message}});
    } catch (const aws::AwsError& e) {
      throw Error(fmt::format("sns Publish to {}: {}", topic_, e.what()));
    }
  }

 private:
  std::string topic_;
  aws::AwsConfig cfg_;
};

}  // namespace

std::string notification_text(const std::string& event, const StoredAlert& a) {
  return fmt::format("[{}] {} ({}): {}", event == "firing" ? "FIRING" : "RESOLVED", a.rule, a.severity, a.summary);
}

std::string webhook_body(const std::string& event, const StoredAlert& a) {
  // "text" is what Slack (and Mattermost, Teams' Slack-compatible hooks) show.
  nlohmann::json j = {{"text", notification_text(event, a) + " " + usd(a.value_usd)}, {"alert", alert_json(event, a)}};
  return j.dump();
}

std::string alertmanager_body(const std::vector<std::pair<std::string, StoredAlert>>& events, double now, double hold_seconds) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& [event, a] : events) {
    nlohmann::json labels = {{"alertname", a.rule}, {"source", "frugal-alert"}, {"kind", a.kind}, {"severity", a.severity}, {"key", a.key}};
    const nlohmann::json extra = nlohmann::json::parse(a.labels_json.empty() ? "{}" : a.labels_json);  // alive for the loop
    for (const auto& [k, v] : extra.items()) labels[k] = v;
    arr.push_back({{"labels", labels},
                   {"annotations", {{"summary", a.summary}, {"description", a.description}, {"dollars", fmt::format("{:.2f}", a.value_usd)}}},
                   {"startsAt", iso(a.started)},
                   {"endsAt", iso(event == "resolved" ? (a.ended > 0 ? a.ended : now) : now + hold_seconds)}});
  }
  return arr.dump();
}

std::unique_ptr<Notifier> make_notifier(const NotifierConfig& c, const NotifierDeps& deps) {
  switch (c.kind) {
    case NotifierKind::kStdout: return std::make_unique<StdoutNotifier>(deps.out);
    case NotifierKind::kWebhook: return std::make_unique<WebhookNotifier>(c.url, deps.http());
    case NotifierKind::kAlertmanager: return std::make_unique<AlertmanagerNotifier>(c.url, deps.http(), deps.alertmanager_hold_seconds);
    case NotifierKind::kSns: {
      // arn:aws:sns:REGION:ACCOUNT:NAME
      const std::string& arn = c.topic_arn;
      const auto p3 = arn.find(':', arn.find(':', arn.find(':') + 1) + 1);
      const std::string region = arn.substr(p3 + 1, arn.find(':', p3 + 1) - p3 - 1);
      return std::make_unique<SnsNotifier>(arn, deps.aws(region));
    }
  }
  throw Error("unknown notifier kind");
}

}  // namespace frugal::alert
