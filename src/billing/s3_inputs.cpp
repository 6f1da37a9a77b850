#include "billing/s3_inputs.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "aws/s3.h"
#include "billing/inputs.h"
#include "core/error.h"

namespace frugal::billing {

int fetch_s3_bill(const aws::AwsConfig& cfg, const std::string& url, const std::string& dir) {
  namespace fs = std::filesystem;
  const auto loc = aws::parse_s3_url(url);
  aws::AwsClient client(cfg, "s3");
  aws::S3 s3(client);
  std::string bucket = loc.bucket;
  std::vector<std::string> keys;
  if (is_manifest(loc.key)) {
    std::string text;
    s3.get(loc.bucket, loc.key, [&](std::string_view d) { text.append(d); });
    keys = manifest_keys(text, url);
    const std::string named = manifest_bucket(text);
    if (!named.empty()) bucket = named;
  } else {
    for (const auto& obj : s3.list(loc.bucket, loc.key)) {
      // CSV and Parquet export files, not manifests or other files.
      const std::string& k = obj.key;
      if (k.find(".csv") != std::string::npos || (k.size() > 8 && k.compare(k.size() - 8, 8, ".parquet") == 0)) keys.push_back(k);
    }
  }
  int n = 0;
  for (const auto& key : keys) {
    const auto local = fs::path(dir) / fmt::format("{:05d}-{}", n++, fs::path(key).filename().string());
    std::ofstream out(local, std::ios::binary);
    s3.get(bucket, key, [&](std::string_view d) { out.write(d.data(), static_cast<std::streamsize>(d.size())); });
    out.close();
    if (!out) throw Error(fmt::format("{}: cannot write the download of s3://{}/{}", local.string(), bucket, key));
  }
  if (n == 0) throw Error(fmt::format("{}: no CSV objects under this prefix", url));
  return n;
}

std::vector<std::string> localize_bill_inputs(const std::vector<std::string>& inputs, const std::string& dir,
                                              const std::function<aws::AwsConfig()>& aws_config) {
  std::vector<std::string> out;
  std::optional<aws::AwsConfig> cfg;
  for (const auto& in : inputs) {
    if (in.rfind("s3://", 0) != 0) {
      out.push_back(in);
      continue;
    }
    if (!cfg) cfg = aws_config();
    const auto local = std::filesystem::path(dir) / std::to_string(out.size());
    std::filesystem::create_directories(local);
    fetch_s3_bill(*cfg, in, local.string());
    out.push_back(local.string());
  }
  return out;
}

}  // namespace frugal::billing
