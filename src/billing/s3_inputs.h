// Bill exports in S3 (CUR, CUR 2.0 / Data Exports, FOCUS) fetched to a local folder, so every
// reader of bill files (`frugal bill`, `frugal alert run`, `frugal serve`) takes s3:// too.
#pragma once

#include <string>

#include "aws/config.h"

namespace frugal::billing {

// Downloads the objects of `url` into `dir`: those a manifest lists (s3://bucket/.../*Manifest.json,
// from the bucket it names), else every CSV object (.csv, .csv.gz) under the prefix. Returns how
// many; throws Error when there are none or a download cannot be written.
int fetch_s3_bill(const aws::AwsConfig& cfg, const std::string& url, const std::string& dir);

}  // namespace frugal::billing
