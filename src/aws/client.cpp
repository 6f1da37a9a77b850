#include "aws/client.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <set>
#include <thread>

#include "core/error.h"

namespace frugal::aws {

AwsClient::AwsClient(const AwsConfig& cfg, std::string signing_name, std::unique_ptr<HttpTransport> transport)
    : cfg_(cfg), service_(std::move(signing_name)), http_(transport ? std::move(transport) : make_curl_transport()) {
  endpoint_ = cfg_.endpoint(service_);
  url_host(endpoint_);  // validates
  clock = [] { return std::time(nullptr); };
  sleep = [](double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); };
}

std::pair<std::string, std::string> parse_error_body(const std::string& body) {
  pugi::xml_document doc;
  if (doc.load_string(body.c_str())) {
    auto err = doc.select_node("//Error");
    if (err) return {err.node().child_value("Code"), err.node().child_value("Message")};
  }
  try {
    auto j = nlohmann::json::parse(body);
    std::string code = j.value("__type", j.value("code", ""));
    if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
    return {code, j.value("message", j.value("Message", ""))};
  } catch (const std::exception&) {
  }
  return {"", body.substr(0, 200)};
}

bool is_retryable(int status, const std::string& code) {
  static const std::set<std::string> throttling = {
      "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
      "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
      "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
      "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException", "InternalError", "ServiceUnavailable"};
  if (status == 0) return true;  // transport error
  if (status == 429 || status == 500 || status == 502 || status == 503 || status == 504) return true;
  return throttling.count(code) > 0;
}

HttpResponse AwsClient::call(HttpRequest req) { return call_impl(std::move(req), nullptr, nullptr); }

HttpResponse AwsClient::call(HttpRequest req, const BodySink& sink) {
  std::size_t delivered = 0;
  BodySink counting = [&](std::string_view d) {
    delivered += d.size();
    sink(d);
  };
  return call_impl(std::move(req), &counting, &delivered);
}

HttpResponse AwsClient::call_impl(HttpRequest req, const BodySink* sink, const std::size_t* delivered) {
  const std::string host = url_host(endpoint_);
  SigningParams p;
  // Global services and the Price List API sign for us-east-1 whatever the profile's region.
  p.region = service_ == "ce" || service_ == "budgets" || service_ == "pricing" || service_ == "savingsplans" ? "us-east-1"
                                                                                                              : cfg_.region;
  p.service = service_;
  if (service_ == "s3") {
    p.normalize_path = false;
    p.encode_path_again = false;
    p.content_sha256_header = true;
  }
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  HttpResponse last;
  std::string code, message;
  for (attempts_made = 1;; ++attempts_made) {
    HttpRequest r = req;
    r.set_header("Host", host);
    p.time = clock();
    sign_request(r, cfg_.credentials, p);
    last = http_->send(endpoint_, r, sink);
    if (last.status >= 200 && last.status < 300) return last;
    if (last.status != 0) std::tie(code, message) = parse_error_body(last.body);
    const bool partial = delivered && *delivered > 0;  // bytes already handed on cannot be taken back
    if (partial || !is_retryable(last.status, code) || attempts_made >= retry.max_attempts) break;
    sleep(std::min(retry.max_delay_s, jitter(rng_) * retry.base_delay_s * std::pow(2.0, attempts_made - 1)));
  }
  if (last.status == 0) {
    throw Error(fmt::format("{}: cannot reach {} after {} attempts: {}", service_, endpoint_, attempts_made,
                            last.transport_error));
  }
  throw AwsError(last.status, code,
                 fmt::format("{}: HTTP {} {}: {}", service_, last.status, code.empty() ? "error" : code, message));
}

pugi::xml_document AwsClient::query(const std::string& action, const std::string& version,
                                    const std::vector<std::pair<std::string, std::string>>& params) {
  HttpRequest req;
  req.method = "POST";
  req.path = "/";
  std::string body = "Action=" + uri_encode(action, false) + "&Version=" + uri_encode(version, false);
  for (const auto& [k, v] : params) body += "&" + uri_encode(k, false) + "=" + uri_encode(v, false);
  req.body = body;
  req.set_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  auto resp = call(req);
  pugi::xml_document doc;
  if (!doc.load_string(resp.body.c_str())) {
    throw Error(fmt::format("{} {}: response is not XML", service_, action));
  }
  return doc;
}

}  // namespace frugal::aws
