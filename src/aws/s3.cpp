#include "aws/s3.h"

#include <fmt/format.h>
#include <pugixml.hpp>

#include "core/error.h"

namespace frugal::aws {

S3Location parse_s3_url(const std::string& url) {
  if (url.rfind("s3://", 0) != 0) throw Error(fmt::format("'{}': expected s3://bucket/prefix", url));
  const std::string rest = url.substr(5);
  const auto slash = rest.find('/');
  S3Location l{rest.substr(0, slash), slash == std::string::npos ? "" : rest.substr(slash + 1)};
  if (l.bucket.empty() || l.bucket.size() > 63) throw Error(fmt::format("'{}': expected a bucket name after s3://", url));
  return l;
}

std::vector<S3Object> S3::list(const std::string& bucket, const std::string& prefix) {
  std::vector<S3Object> out;
  std::string token;
  for (;;) {
    HttpRequest req;
    req.method = "GET";
    req.path = "/" + uri_encode(bucket, false);
    req.query = {{"list-type", "2"}, {"prefix", prefix}};
    if (!token.empty()) req.query.emplace_back("continuation-token", token);
    auto resp = client_.call(req);
    pugi::xml_document doc;
    if (!doc.load_string(resp.body.c_str())) throw Error(fmt::format("s3 ListObjectsV2 {}: response is not XML", bucket));
    auto root = doc.child("ListBucketResult");
    for (auto c : root.children("Contents")) {
      out.push_back({c.child_value("Key"), std::atoll(c.child_value("Size")), c.child_value("LastModified"),
                     c.child_value("ETag")});
    }
    if (std::string(root.child_value("IsTruncated")) != "true") break;
    token = root.child_value("NextContinuationToken");
    if (token.empty()) break;
  }
  return out;
}

void S3::get(const std::string& bucket, const std::string& key, const BodySink& sink) {
  HttpRequest req;
  req.method = "GET";
  req.path = "/" + uri_encode(bucket, false) + "/" + uri_encode(key, true);
  client_.call(req, sink);
}

void S3::put(const std::string& bucket, const std::string& key, const std::string& body) {
  HttpRequest req;
  req.method = "PUT";
  req.path = "/" + uri_encode(bucket, false) + "/" + uri_encode(key, true);
  req.body = body;
  req.set_header("Content-Type", "application/octet-stream");
  client_.call(req);
}

void S3::create_bucket(const std::string& bucket) {
  HttpRequest req;
  req.method = "PUT";
  req.path = "/" + uri_encode(bucket, false);
  client_.call(req);
}

}  // namespace frugal::aws
