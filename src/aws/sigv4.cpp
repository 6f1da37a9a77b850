#include "aws/sigv4.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "aws/crypto.h"
#include "core/stats.h"
#include "core/time_util.h"

namespace frugal::aws {
namespace {

// Header value as canonicalised: trimmed, inner runs of whitespace (including folded lines)
// collapsed to one space.
std::string canonical_value(const std::string& v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& q) {
  std::vector<std::pair<std::string, std::string>> enc;
  for (const auto& [k, v] : q) enc.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

struct CanonicalHeaders {
  std::string block;   // "name:value\n" lines
  std::string signed_; // "a;b;c"
};

CanonicalHeaders canonical_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::map<std::string, std::string> merged;  // sorted by lower-case name; duplicates joined by ','
  for (const auto& [k, v] : headers) {
    auto& slot = merged[lower(k)];
    slot += (slot.empty() ? "" : ",") + canonical_value(v);
  }
  CanonicalHeaders h;
  for (const auto& [k, v] : merged) {
    h.block += k + ":" + v + "\n";
    h.signed_ += (h.signed_.empty() ? "" : ";") + k;
  }
  return h;
}

std::string canonical_uri(const std::string& path, const SigningParams& p) {
  std::string path_ = p.normalize_path ? normalize_path(path) : path;
  if (path_.empty()) path_ = "/";
  return p.encode_path_again ? uri_encode(path_, true) : path_;
}

std::string scope(const SigningParams& p) {
  return fmt::format("{}/{}/{}/aws4_request", amz_date(p.time).substr(0, 8), p.region, p.service);
}

Signature finish(const std::string& canonical, const Credentials& c, const SigningParams& p) {
  Signature s;
  s.canonical_request = canonical;
  s.string_to_sign = fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date(p.time), scope(p), sha256_hex(canonical));
  std::string k = hmac_sha256("AWS4" + c.secret_access_key, amz_date(p.time).substr(0, 8));
  k = hmac_sha256(k, p.region);
  k = hmac_sha256(k, p.service);
  k = hmac_sha256(k, "aws4_request");
  s.signature = hex(hmac_sha256(k, s.string_to_sign));
  return s;
}

}  // namespace

const std::string* HttpRequest::header(const std::string& name) const {
  const std::string n = lower(name);
  for (const auto& [k, v] : headers) {
    if (lower(k) == n) return &v;
  }
  return nullptr;
}

void HttpRequest::set_header(const std::string& name, const std::string& value) {
  const std::string n = lower(name);
  headers.erase(std::remove_if(headers.begin(), headers.end(), [&](const auto& h) { return lower(h.first) == n; }),
                headers.end());
  headers.emplace_back(name, value);
}

std::string HttpRequest::query_string() const {
  std::string out;
  for (const auto& [k, v] : query) {
    if (!out.empty()) out += '&';
    out += uri_encode(k, false) + "=" + uri_encode(v, false);
  }
  return out;
}

std::string uri_encode(const std::string& s, bool keep_slash) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string normalize_path(const std::string& path) {
  std::vector<std::string> segs;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string seg = path.substr(i, j - i);
    if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segs.push_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& s : segs) out += "/" + s;
  const bool trailing = path.size() > 1 && path.back() == '/' && !segs.empty();
  if (out.empty()) return "/";
  return trailing ? out + "/" : out;
}

std::string amz_date(std::time_t t) { return format_utc(t, "%Y%m%dT%H%M%SZ"); }

Signature sign_request(HttpRequest& req, const Credentials& c, const SigningParams& p) {
  const std::string payload = p.payload_hash.empty() ? sha256_hex(req.body) : p.payload_hash;
  req.set_header("X-Amz-Date", amz_date(p.time));
  if (!c.session_token.empty() && !p.omit_session_token) req.set_header("X-Amz-Security-Token", c.session_token);
  if (p.content_sha256_header) req.set_header("x-amz-content-sha256", payload);
  const auto h = canonical_headers(req.headers);
  const std::string canonical = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", req.method, canonical_uri(req.path, p),
                                            canonical_query(req.query), h.block, h.signed_, payload);
  Signature s = finish(canonical, c, p);
  req.set_header("Authorization", fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
                                              c.access_key_id, scope(p), h.signed_, s.signature));
  if (!c.session_token.empty() && p.omit_session_token) req.set_header("X-Amz-Security-Token", c.session_token);
  return s;
}

Signature presign_request(HttpRequest& req, const Credentials& c, const SigningParams& p) {
  const std::string payload = p.payload_hash.empty() ? sha256_hex(req.body) : p.payload_hash;
  const auto h = canonical_headers(req.headers);
  req.query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  req.query.emplace_back("X-Amz-Credential", c.access_key_id + "/" + scope(p));
  req.query.emplace_back("X-Amz-Date", amz_date(p.time));
  req.query.emplace_back("X-Amz-Expires", std::to_string(p.expires_s));
  if (!c.session_token.empty() && !p.omit_session_token) req.query.emplace_back("X-Amz-Security-Token", c.session_token);
  req.query.emplace_back("X-Amz-SignedHeaders", h.signed_);
  const std::string canonical = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", req.method, canonical_uri(req.path, p),
                                            canonical_query(req.query), h.block, h.signed_, payload);
  Signature s = finish(canonical, c, p);
  req.query.emplace_back("X-Amz-Signature", s.signature);
  return s;
}

}  // namespace frugal::aws
