#include <curl/curl.h>
#include <fmt/format.h>

#include <mutex>

#include "aws/http.h"
#include "core/error.h"

namespace frugal::aws {
namespace {

std::once_flag g_curl_init;

struct BodyTarget {
  CURL* curl;
  std::string* buffer;
  const BodySink* sink;
  std::size_t delivered = 0;
};

std::size_t on_body(char* p, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<BodyTarget*>(user);
  long code = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
  if (t->sink && code >= 200 && code < 300) {
    try {
      (*t->sink)(std::string_view(p, size * n));
    } catch (...) {
      return 0;  // aborts the transfer; the caller's exception is lost, so sinks should not throw
    }
    t->delivered += size * n;
  } else {
    t->buffer->append(p, size * n);
  }
  return size * n;
}

std::size_t on_header(char* p, std::size_t size, std::size_t n, void* user) {
  std::string line(p, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string v = line.substr(colon + 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.pop_back();
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    static_cast<std::vector<std::pair<std::string, std::string>>*>(user)->emplace_back(line.substr(0, colon), v);
  }
  return size * n;
}

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(const HttpOptions& o) : opt_(o) {
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    curl_ = curl_easy_init();
    if (!curl_) throw Error("cannot initialise libcurl");
  }
  ~CurlTransport() override { curl_easy_cleanup(curl_); }

  using HttpTransport::send;
  HttpResponse send(const std::string& base_url, const HttpRequest& req, const BodySink* sink) override {
    HttpResponse r;
    std::string url = base_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += req.path;
    const std::string qs = req.query_string();
    if (!qs.empty()) url += "?" + qs;
    curl_easy_reset(curl_);  // keeps the connection cache
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, opt_.connect_timeout_ms);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, opt_.timeout_ms);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!opt_.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, opt_.ca_file.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT") {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : req.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
    headers = curl_slist_append(headers, "Expect:");
    // Without this curl labels every body application/x-www-form-urlencoded, and servers then
    // parse binary uploads as form fields.
    if (!req.header("Content-Type")) headers = curl_slist_append(headers, "Content-Type:");
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    BodyTarget target{curl_, &r.body, sink};
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &target);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &r.headers);
    const CURLcode rc = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      r.status = 0;
      r.transport_error = curl_easy_strerror(rc);
      return r;
    }
    long code = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code);
    r.status = static_cast<int>(code);
    return r;
  }

 private:
  HttpOptions opt_;
  CURL* curl_ = nullptr;
};

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport(const HttpOptions& opt) { return std::make_unique<CurlTransport>(opt); }

std::string url_host(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos || (url.compare(0, scheme, "http") != 0 && url.compare(0, scheme, "https") != 0)) {
    throw Error(fmt::format("endpoint '{}': expected http:// or https:// URL", url));
  }
  const auto start = scheme + 3;
  const auto end = url.find('/', start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (host.empty()) throw Error(fmt::format("endpoint '{}': missing host", url));
  return host;
}

}  // namespace frugal::aws
