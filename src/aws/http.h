// HTTP transport for AWS calls. CurlTransport (libcurl) is the real one: one handle per transport
// so connections are reused, TLS verification on, connect and total timeouts.
#pragma once

#include <memory>
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

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends `req` to `base_url` ("https://host[:port]"); never throws for network errors.
  virtual HttpResponse send(const std::string& base_url, const HttpRequest& req) = 0;
};

struct HttpOptions {
  long connect_timeout_ms = 5000;
  long timeout_ms = 60000;
};

std::unique_ptr<HttpTransport> make_curl_transport(const HttpOptions& opt = {});

// "https://host:port/base" -> host header value "host:port"; throws Error on a malformed URL.
std::string url_host(const std::string& url);

}  // namespace frugal::aws
