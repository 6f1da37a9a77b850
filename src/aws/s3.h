// S3 (REST-XML): ListObjectsV2 with pagination, streaming GetObject, PutObject and CreateBucket.
// Path-style addressing (https://s3.REGION.amazonaws.com/BUCKET/KEY, or the endpoint override).
#pragma once

#include <string>
#include <vector>

#include "aws/client.h"

namespace frugal::aws {

struct S3Location {
  std::string bucket;
  std::string key;  // a prefix when listing
};

// "s3://bucket/prefix/..." -> {bucket, prefix}; throws Error on anything else.
S3Location parse_s3_url(const std::string& url);

struct S3Object {
  std::string key;
  long long size = 0;
  std::string last_modified;
  std::string etag;
};

class S3 {
 public:
  explicit S3(AwsClient& client) : client_(client) {}
  std::vector<S3Object> list(const std::string& bucket, const std::string& prefix);
  // Streams the object's bytes into `sink` (gzip is not undone here; see core/gzip.h).
  void get(const std::string& bucket, const std::string& key, const BodySink& sink);
  void put(const std::string& bucket, const std::string& key, const std::string& body);
  void create_bucket(const std::string& bucket);

 private:
  AwsClient& client_;
};

}  // namespace frugal::aws
