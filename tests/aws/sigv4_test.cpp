// AWS's official SigV4 test vectors (tests/data/sigv4-test-suite, from awslabs/aws-c-auth, see its
// SOURCE.md): every case is signed in the Authorization-header form and as a presigned URL, and
// the canonical request, string to sign and signature must match byte for byte (76 checks).
#include "aws/sigv4.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "aws/crypto.h"

namespace fs = std::filesystem;
using namespace frugal::aws;

namespace {

const fs::path kSuite = fs::path(FRUGAL_TEST_FIXTURES) / "sigv4-test-suite";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// request.txt: request line, Name:value headers (indented lines continue the previous value),
// blank line, body. Paths are raw, as they would be on the wire.
HttpRequest parse_request(const std::string& text) {
  HttpRequest r;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const auto sp = line.find(' ');
  r.method = line.substr(0, sp);
  std::string target = line.substr(sp + 1, line.rfind(" HTTP/") - sp - 1);
  const auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::stringstream qs(target.substr(q + 1));
    std::string kv;
    while (std::getline(qs, kv, '&')) {
      const auto eq = kv.find('=');
      r.query.emplace_back(percent_decode(kv.substr(0, eq)), eq == std::string::npos ? "" : percent_decode(kv.substr(eq + 1)));
    }
  }
  while (std::getline(in, line) && !line.empty()) {
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().second += "\n" + line;
      continue;
    }
    const auto colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::string rest;
  std::getline(in, rest, '\0');
  r.body = rest;
  return r;
}

struct Case {
  std::string name;
  HttpRequest request;
  Credentials creds;
  SigningParams params;
};

Case load(const fs::path& dir) {
  Case c;
  c.name = dir.filename().string();
  c.request = parse_request(slurp(dir / "request.txt"));
  auto ctx = nlohmann::json::parse(slurp(dir / "context.json"));
  c.creds.access_key_id = ctx["credentials"]["access_key_id"];
  c.creds.secret_access_key = ctx["credentials"]["secret_access_key"];
  if (ctx["credentials"].contains("token")) c.creds.session_token = ctx["credentials"]["token"];
  c.params.region = ctx["region"];
  c.params.service = ctx["service"];
  c.params.normalize_path = ctx.value("normalize", true);
  c.params.content_sha256_header = ctx.value("sign_body", false);
  c.params.omit_session_token = ctx.value("omit_session_token", false);
  c.params.expires_s = ctx.value("expiration_in_seconds", 3600);
  std::tm tm{};
  std::istringstream ts(ctx["timestamp"].get<std::string>());
  ts >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  c.params.time = timegm(&tm);
  return c;
}

std::vector<fs::path> cases() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kSuite)) {
    if (e.is_directory()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(SigV4, AllOfficialVectorsInBothForms) {
  const auto dirs = cases();
  ASSERT_EQ(dirs.size(), 38u);
  int passed = 0;
  for (const auto& dir : dirs) {
    for (const char* mode : {"header", "query"}) {
      Case c = load(dir);
      const bool header = std::string(mode) == "header";
      if (!header) c.params.content_sha256_header = false;  // query form carries the payload hash only
      Signature s = header ? sign_request(c.request, c.creds, c.params) : presign_request(c.request, c.creds, c.params);
      const std::string prefix = std::string(mode) + "-";
      const bool ok = s.canonical_request == slurp(dir / (prefix + "canonical-request.txt")) &&
                      s.string_to_sign == slurp(dir / (prefix + "string-to-sign.txt")) &&
                      s.signature == slurp(dir / (prefix + "signature.txt"));
      EXPECT_EQ(s.canonical_request, slurp(dir / (prefix + "canonical-request.txt"))) << c.name << " " << mode;
      EXPECT_EQ(s.signature, slurp(dir / (prefix + "signature.txt"))) << c.name << " " << mode;
      passed += ok;
      if (header && ok) {
        // The signed request carries the Authorization header the vector shows.
        const std::string signed_text = slurp(dir / "header-signed-request.txt");
        EXPECT_NE(signed_text.find(*c.request.header("Authorization")), std::string::npos) << c.name;
      }
    }
  }
  EXPECT_EQ(passed, 76);
}

TEST(SigV4, Helpers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(uri_encode("a b/c~", true), "a%20b/c~");
  EXPECT_EQ(uri_encode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(percent_decode("%E1%88%B4x%2"), "\xE1\x88\xB4x%2");
  EXPECT_EQ(normalize_path("/a/./b/../c//"), "/a/c/");
  EXPECT_EQ(normalize_path("/.."), "/");
  EXPECT_EQ(amz_date(1440938160), "20150830T123600Z");
}
