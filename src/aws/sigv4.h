// AWS Signature Version 4: the Authorization-header form and the presigned-query form.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
#pragma once

#include <ctime>
#include <string>
#include <utility>
#include <vector>

namespace frugal::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
  std::string source;         // where they came from ("environment", "profile dev"); never the secret
};

// An HTTP request as it goes on the wire. `path` is the path exactly as sent (percent-encoded as
// the client encoded it); `query` holds decoded names and values.
struct HttpRequest {
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // names as given; Host included
  std::string body;

  const std::string* header(const std::string& name) const;  // case-insensitive
  void set_header(const std::string& name, const std::string& value);
  std::string query_string() const;  // encoded, in insertion order
};

struct SigningParams {
  std::string region;
  std::string service;
  std::time_t time = 0;         // signing time (UTC)
  bool normalize_path = true;   // false for S3
  bool encode_path_again = true;  // false for S3: path segments are encoded once (on the wire) only
  bool content_sha256_header = false;  // add and sign x-amz-content-sha256 (S3 requires it)
  bool omit_session_token = false;     // sign without the token, add it afterwards (some services)
  std::string payload_hash;            // override, e.g. "UNSIGNED-PAYLOAD"; empty: SHA-256 of body
  long expires_s = 3600;               // presigned URLs only
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // hex
};

// Adds X-Amz-Date (and the session token, x-amz-content-sha256 as asked) and the Authorization
// header to `req`. Returns the intermediate strings for diagnostics and tests.
Signature sign_request(HttpRequest& req, const Credentials& creds, const SigningParams& p);
// Adds the X-Amz-* query parameters and X-Amz-Signature (presigned URL).
Signature presign_request(HttpRequest& req, const Credentials& creds, const SigningParams& p);

// RFC 3986 percent-encoding of everything but unreserved characters (and '/' when `keep_slash`).
std::string uri_encode(const std::string& s, bool keep_slash);
std::string percent_decode(const std::string& s);
// Removes "." and ".." segments and empty segments, keeping a trailing slash.
std::string normalize_path(const std::string& path);
std::string amz_date(std::time_t t);  // 20150830T123600Z

}  // namespace frugal::aws
