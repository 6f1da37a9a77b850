#include "billing/inputs.h"

#include <fmt/format.h>
#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace frugal::billing {
namespace fs = std::filesystem;

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
// Export files: CSV (".csv", ".csv.gz") and Parquet (".parquet", ".snappy.parquet", ...).
bool is_bill_file(const std::string& p) { return p.find(".csv") != std::string::npos || ends_with(p, ".parquet"); }

std::string key_of(const std::string& s) {
  if (s.rfind("s3://", 0) != 0) return s;
  const auto slash = s.find('/', 5);
  return slash == std::string::npos ? "" : s.substr(slash + 1);
}

nlohmann::json parse_manifest(const std::string& text, const std::string& name) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw InputError(fmt::format("{}: not a JSON object (expected a CUR manifest)", name));
  return j;
}
}  // namespace

bool is_manifest(const std::string& path) {
  const std::string f = fs::path(path).filename().string();
  return ends_with(f, "Manifest.json") || ends_with(f, "manifest.json");
}

std::vector<std::string> manifest_keys(const std::string& text, const std::string& name) {
  const auto j = parse_manifest(text, name);
  const char* field = j.contains("reportKeys") ? "reportKeys" : j.contains("dataFiles") ? "dataFiles" : nullptr;
  if (!field || !j[field].is_array()) {
    throw InputError(fmt::format("{}: expected a \"reportKeys\" (CUR) or \"dataFiles\" (CUR 2.0) array", name));
  }
  std::vector<std::string> keys;
  for (const auto& k : j[field]) {
    if (!k.is_string()) throw InputError(fmt::format("{}: expected strings in \"{}\"", name, field));
    keys.push_back(key_of(k.get<std::string>()));
  }
  return keys;
}

std::string manifest_bucket(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_object() && j.contains("bucket") && j["bucket"].is_string()) return j["bucket"].get<std::string>();
  if (j.is_object() && j.contains("dataFiles") && j["dataFiles"].is_array() && !j["dataFiles"].empty() &&
      j["dataFiles"][0].is_string()) {
    const std::string u = j["dataFiles"][0].get<std::string>();
    if (u.rfind("s3://", 0) == 0) return u.substr(5, u.find('/', 5) - 5);
  }
  return "";
}

namespace {
// A manifest key ("cur/report/20251101-20251201/abc/report-1.csv.gz") on disk: the longest tail
// of the key that exists under the manifest's folder or the folders above it.
std::string find_key(const fs::path& dir, const std::string& key) {
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string p; std::getline(ss, p, '/');) {
    if (!p.empty()) parts.push_back(p);
  }
  for (fs::path base = dir;; base = base.parent_path()) {
    for (std::size_t i = 0; i < parts.size(); ++i) {
      fs::path c = base;
      for (std::size_t k = i; k < parts.size(); ++k) c /= parts[k];
      if (fs::is_regular_file(c)) return c.string();
    }
    if (base == base.parent_path() || base.empty()) break;
  }
  return "";
}
}  // namespace

std::vector<std::string> expand_bill_inputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  bool stdin_taken = false;
  for (const auto& in : inputs) {
   try {
    if (in == "-") {  // standard input, read once
      if (stdin_taken) throw Error("-: standard input can be read only once; name it once");
      stdin_taken = true;
      files.push_back(in);
    } else if (fs::is_directory(in)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(in)) {
        const std::string p = e.path().string();
        if (e.is_regular_file() && is_bill_file(p)) found.push_back(p);
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(in) && is_manifest(in)) {
      std::ifstream f(in, std::ios::binary);
      std::stringstream text;
      text << f.rdbuf();
      const fs::path dir = fs::absolute(in).parent_path();
      for (const auto& key : manifest_keys(text.str(), in)) {
        const std::string p = find_key(dir, key);
        if (p.empty()) throw Error(fmt::format("{}: lists '{}', which is not under {}", in, key, dir.string()));
        files.push_back(p);
      }
    } else if (fs::exists(in)) {
      files.push_back(in);
    } else if (in.find_first_of("*?[") != std::string::npos) {
      glob_t g{};
      const int rc = glob(in.c_str(), 0, nullptr, &g);
      std::vector<std::string> found;
      if (rc == 0) {
        for (std::size_t i = 0; i < g.gl_pathc; ++i) {
          if (fs::is_regular_file(g.gl_pathv[i])) found.push_back(g.gl_pathv[i]);
        }
      }
      globfree(&g);
      if (found.empty()) throw Error(fmt::format("{}: the pattern matches no file", in));
      files.insert(files.end(), found.begin(), found.end());  // glob() sorts
    } else {
      throw Error(fmt::format("{}: no such file or folder", in));
    }
   } catch (const fs::filesystem_error& e) {
    // A symlink loop, a folder that cannot be read: the path and the system's reason, exit 1.
    throw Error(fmt::format("{}: {}", e.path1().empty() ? in : e.path1().string(), e.code().message()));
   }
  }
  return files;
}

}  // namespace frugal::billing
