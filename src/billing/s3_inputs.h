// Bill exports in S3 (CUR, CUR 2.0 / Data Exports, FOCUS) fetched to a local folder, so every
// reader of bill files (`frugal bill`, `frugal alert run`, `frugal serve`) takes s3:// too.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "aws/config.h"

namespace frugal::billing {

// Downloads the objects of `url` into `dir`: those a manifest lists (s3://bucket/.../*Manifest.json,
// from the bucket it names), else every CSV object (.csv, .csv.gz) under the prefix. Returns how
// many; throws Error when there are none or a download cannot be written.
int fetch_s3_bill(const aws::AwsConfig& cfg, const std::string& url, const std::string& dir);

// `inputs` with each s3:// entry replaced by a folder under `dir` (the caller's, alive while the
// files are read) holding its objects; other entries unchanged. `aws_config` is called once, at
// the first s3:// entry.
std::vector<std::string> localize_bill_inputs(const std::vector<std::string>& inputs, const std::string& dir,
                                              const std::function<aws::AwsConfig()>& aws_config);

}  // namespace frugal::billing
