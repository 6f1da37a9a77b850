// HTTP transport for AWS calls. CurlTransport (libcurl) is the real one: one handle per transport
// so connections are reused, TLS verification on, connect and total timeouts.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "aws/sigv4.h"

namespace frugal::aws {

struct HttpResponse {
  int status = 0;  // 0: no response (connection failed, timed out)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string transport_error;  // set when status == 0
};

// Receives a successful (2xx) response body piece by piece instead of buffering it.
using BodySink = std::function<void(std::string_view)>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends `req` to `base_url` ("https://host[:port]"); never throws for network errors. With a
  // `sink`, a 2xx body streams into it (HttpResponse::body stays empty); error bodies are kept.
  virtual HttpResponse send(const std::string& base_url, const HttpRequest& req, const BodySink* sink) = 0;
  HttpResponse send(const std::string& base_url, const HttpRequest& req) { return send(base_url, req, nullptr); }
};

struct HttpOptions {
  long connect_timeout_ms = 5000;
  long timeout_ms = 60000;
  std::string ca_file;  // CA bundle to verify servers with; "" = the system's (Kubernetes' own CA)
};

std::unique_ptr<HttpTransport> make_curl_transport(const HttpOptions& opt = {});

// "https://host:port/base" -> host header value "host:port"; throws Error on a malformed URL.
std::string url_host(const std::string& url);

}  // namespace frugal::aws
