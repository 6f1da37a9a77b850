// A signed, retrying AWS service client. Retries follow the SDKs' "standard" mode: at most
// `max_attempts` tries, on throttling errors, HTTP 5xx and transport failures, with exponential
// backoff and full jitter capped at 20 s.
#pragma once

#include <pugixml.hpp>

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "aws/config.h"
#include "aws/http.h"

namespace frugal::aws {

// An AWS error response, with the service's code ("Throttling", "InvalidParameterValue").
class AwsError : public std::runtime_error {
 public:
  AwsError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status(status), code(std::move(code)) {}
  int status;
  std::string code;
};

struct RetryPolicy {
  int max_attempts = 3;
  double base_delay_s = 1.0;
  double max_delay_s = 20.0;
};

class AwsClient {
 public:
  // `signing_name`: the SigV4 service name ("monitoring", "sns", "ce", "budgets", "s3", "ec2").
  AwsClient(const AwsConfig& cfg, std::string signing_name, std::unique_ptr<HttpTransport> transport = nullptr);

  // Signs and sends; retries retryable failures. Throws AwsError for an AWS error response and
  // frugal::Error when the endpoint cannot be reached after all attempts.
  HttpResponse call(HttpRequest req);
  // The same, streaming a successful body into `sink`. A failed attempt is retried only while no
  // byte has reached the sink.
  HttpResponse call(HttpRequest req, const BodySink& sink);

  // AWS Query protocol (CloudWatch, SNS, EC2): POST form Action=..&Version=..&params; returns the
  // parsed XML of a successful response.
  pugi::xml_document query(const std::string& action, const std::string& version,
                           const std::vector<std::pair<std::string, std::string>>& params);

  // Seams for tests: the signing clock and the sleeper used between retries.
  std::function<std::time_t()> clock;
  std::function<void(double)> sleep;
  RetryPolicy retry;
  int attempts_made = 0;  // of the last call

 private:
  // `delivered` counts bytes already handed to `sink` (null without a sink).
  HttpResponse call_impl(HttpRequest req, const BodySink* sink, const std::size_t* delivered);
  AwsConfig cfg_;
  std::string service_;
  std::string endpoint_;
  std::unique_ptr<HttpTransport> http_;
  std::mt19937_64 rng_{std::random_device{}()};
};

// Error code and message from an AWS XML or JSON error body.
std::pair<std::string, std::string> parse_error_body(const std::string& body);
bool is_retryable(int status, const std::string& code);

}  // namespace frugal::aws
