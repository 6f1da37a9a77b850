// Where `frugal alert run` sends what changed: stdout, a JSON webhook (Slack-compatible: the body
// has "text"), Alertmanager's API (POST /api/v2/alerts, so its grouping, routing and silences
// apply) and SNS (Publish). send() throws Error when the receiver did not take the notification.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "alert/config.h"
#include "alert/state.h"
#include "aws/config.h"
#include "aws/http.h"

namespace frugal::alert {

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual void send(const std::string& event, const StoredAlert& a, double now) = 0;
  // Called once per run with everything still firing: Alertmanager forgets alerts that are not
  // re-sent; the others need nothing. Throws Error like send().
  virtual void refresh(const std::vector<StoredAlert>& firing, double now) {
    (void)firing;
    (void)now;
  }
};

// The seams to the outside world the notifiers use.
struct NotifierDeps {
  std::ostream* out = nullptr;                                      // stdout notifier
  std::function<std::unique_ptr<aws::HttpTransport>()> http;        // webhook, alertmanager
  std::function<aws::AwsConfig(const std::string& region)> aws;     // sns (region from the ARN)
  double alertmanager_hold_seconds = 0;
};

std::unique_ptr<Notifier> make_notifier(const NotifierConfig& c, const NotifierDeps& deps);

// The bodies, exposed for tests and --dry-run.
std::string notification_text(const std::string& event, const StoredAlert& a);  // one line
std::string webhook_body(const std::string& event, const StoredAlert& a);          // JSON
std::string alertmanager_body(const std::vector<std::pair<std::string, StoredAlert>>& events, double now, double hold_seconds);

}  // namespace frugal::alert
