// Which files a `frugal bill` input names: a file, a folder (its *.csv and *.csv.gz, recursively,
// sorted), a glob ("exports/2025-*/*.csv.gz"), or a CUR manifest JSON (legacy CUR "reportKeys",
// CUR 2.0 / Data Exports "dataFiles"), whose keys are found next to the manifest as `aws s3 sync`
// lays them out.
#pragma once

#include <string>
#include <vector>

namespace frugal::billing {

bool is_manifest(const std::string& path);  // "*Manifest.json" or "*manifest.json"
// The object keys a manifest lists (s3:// URLs reduced to their key), in manifest order.
// `name` is used in errors. Throws InputError on JSON that is not a manifest.
std::vector<std::string> manifest_keys(const std::string& json_text, const std::string& name);
// The bucket a manifest names ("bucket"), or "" when it names none.
std::string manifest_bucket(const std::string& json_text);

// Expands every input to files; throws Error naming the input that matches nothing.
std::vector<std::string> expand_bill_inputs(const std::vector<std::string>& inputs);

}  // namespace frugal::billing
