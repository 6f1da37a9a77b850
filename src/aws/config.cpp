#include "aws/config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "core/error.h"

namespace frugal::aws {
namespace {

std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::string home_file(const Environment& env, const std::string& var, const std::string& rel) {
  if (auto v = env.get(var); v && !v->empty()) return *v;
  return env.get("HOME").value_or("") + "/" + rel;
}

// Service ids as AWS_ENDPOINT_URL_<SERVICE> spells them.
std::string env_service_name(const std::string& service) {
  static const std::map<std::string, std::string> names = {
      {"monitoring", "CLOUDWATCH"}, {"ce", "COST_EXPLORER"}, {"budgets", "BUDGETS"},
      {"sns", "SNS"},               {"s3", "S3"},            {"ec2", "EC2"}};
  auto it = names.find(service);
  if (it != names.end()) return it->second;
  std::string up;
  for (char c : service) up.push_back(c == '-' || c == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return up;
}

}  // namespace

std::map<std::string, std::map<std::string, std::string>> parse_ini(const std::string& text, const std::string& name) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::string section, last_key;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') fail_at({name, line_no, static_cast<int>(raw.size())}, "expected ']' to close the section name");
      section = trim(line.substr(1, line.size() - 2));
      out[section];
      continue;
    }
    // Indented lines continue a nested value (e.g. "s3 =\n  max_concurrent_requests = 20").
    if (std::isspace(static_cast<unsigned char>(raw[0])) && !last_key.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) fail_at({name, line_no, 1}, "expected 'key = value' or '[section]'");
    if (section.empty()) fail_at({name, line_no, 1}, "expected a '[section]' before the first setting");
    last_key = trim(line.substr(0, eq));
    out[section][last_key] = trim(line.substr(eq + 1));
  }
  return out;
}

std::string AwsConfig::endpoint(const std::string& service) const {
  if (!endpoint_url_override.empty()) return endpoint_url_override;
  if (env) {
    if (auto v = env->get("AWS_ENDPOINT_URL_" + env_service_name(service)); v && !v->empty()) return *v;
    if (auto v = env->get("AWS_ENDPOINT_URL"); v && !v->empty()) return *v;
  }
  if (auto it = profile_settings.find("endpoint_url"); it != profile_settings.end()) return it->second;
  if (service == "ce") return "https://ce.us-east-1.amazonaws.com";
  if (service == "budgets") return "https://budgets.amazonaws.com";
  if (service == "pricing") return "https://api.pricing.us-east-1.amazonaws.com";  // the Price List API's home
  if (service == "savingsplans") return "https://savingsplans.amazonaws.com";
  if (service == "sagemaker-runtime") return fmt::format("https://runtime.sagemaker.{}.amazonaws.com", region);
  return fmt::format("https://{}.{}.amazonaws.com", service, region);
}

AwsConfig resolve_config(const AwsOptions& opt, const Environment& env, bool region_required) {
  AwsConfig c;
  c.env = &env;
  c.endpoint_url_override = opt.endpoint_url;
  c.profile = !opt.profile.empty() ? opt.profile : env.get("AWS_PROFILE").value_or("");
  if (c.profile.empty()) c.profile = "default";

  const std::string cred_path = home_file(env, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  const std::string conf_path = home_file(env, "AWS_CONFIG_FILE", ".aws/config");
  std::map<std::string, std::map<std::string, std::string>> creds_ini, conf_ini;
  if (auto t = env.read_file(cred_path)) creds_ini = parse_ini(*t, cred_path);
  if (auto t = env.read_file(conf_path)) conf_ini = parse_ini(*t, conf_path);
  const std::string conf_section = c.profile == "default" ? "default" : "profile " + c.profile;
  if (auto it = conf_ini.find(conf_section); it != conf_ini.end()) c.profile_settings = it->second;
  const bool explicit_profile = !opt.profile.empty();
  if (explicit_profile && !creds_ini.count(c.profile) && !conf_ini.count(conf_section)) {
    throw Error(fmt::format("--profile {}: no such profile in {} or {}", c.profile, cred_path, conf_path));
  }

  auto from_keys = [&](const std::map<std::string, std::string>& s, const std::string& source) {
    auto a = s.find("aws_access_key_id"), b = s.find("aws_secret_access_key");
    if (a == s.end() || b == s.end()) return false;
    c.credentials.access_key_id = a->second;
    c.credentials.secret_access_key = b->second;
    if (auto t = s.find("aws_session_token"); t != s.end()) c.credentials.session_token = t->second;
    c.credentials.source = source;
    return true;
  };
  bool found = false;
  if (!explicit_profile) {
    auto id = env.get("AWS_ACCESS_KEY_ID"), secret = env.get("AWS_SECRET_ACCESS_KEY");
    if (id && secret && !id->empty()) {
      c.credentials = {*id, *secret, env.get("AWS_SESSION_TOKEN").value_or(""), "environment"};
      found = true;
    }
  }
  if (!found) {
    if (auto it = creds_ini.find(c.profile); it != creds_ini.end()) {
      found = from_keys(it->second, fmt::format("profile {} in {}", c.profile, cred_path));
    }
  }
  if (!found) found = from_keys(c.profile_settings, fmt::format("profile {} in {}", c.profile, conf_path));
  if (!found) {
    if (auto it = c.profile_settings.find("credential_process"); it != c.profile_settings.end()) {
      const std::string out = env.run(it->second);
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(out);
      } catch (const std::exception&) {
        throw Error(fmt::format("credential_process for profile {}: output is not JSON", c.profile));
      }
      if (!j.contains("AccessKeyId") || !j.contains("SecretAccessKey") || j.value("Version", 0) != 1) {
        throw Error(fmt::format("credential_process for profile {}: expected Version 1 with AccessKeyId and SecretAccessKey",
                                c.profile));
      }
      c.credentials = {j["AccessKeyId"], j["SecretAccessKey"], j.value("SessionToken", ""),
                       fmt::format("credential_process of profile {}", c.profile)};
      found = true;
    }
  }
  if (!found) {
    throw Error(fmt::format("no AWS credentials: tried AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile '{}' in {} and {}",
                            c.profile, cred_path, conf_path));
  }

  if (!opt.region.empty()) {
    c.region = opt.region;
  } else if (auto v = env.get("AWS_REGION"); v && !v->empty()) {
    c.region = *v;
  } else if (auto v2 = env.get("AWS_DEFAULT_REGION"); v2 && !v2->empty()) {
    c.region = *v2;
  } else if (auto it = c.profile_settings.find("region"); it != c.profile_settings.end()) {
    c.region = it->second;
  } else if (region_required) {
    throw Error("no AWS region: pass --region or set AWS_REGION (or region in ~/.aws/config)");
  }
  return c;
}

ResolvedRegion resolve_region(const AwsOptions& opt, const Environment& env,
                              const std::function<std::optional<std::string>()>& imds_region) {
  if (!opt.region.empty()) return {opt.region, "--region"};
  if (auto v = env.get("AWS_REGION"); v && !v->empty()) return {*v, "AWS_REGION"};
  if (auto v = env.get("AWS_DEFAULT_REGION"); v && !v->empty()) return {*v, "AWS_DEFAULT_REGION"};
  std::string profile = !opt.profile.empty() ? opt.profile : env.get("AWS_PROFILE").value_or("default");
  if (profile.empty()) profile = "default";
  const std::string conf_path = home_file(env, "AWS_CONFIG_FILE", ".aws/config");
  if (auto t = env.read_file(conf_path)) {
    auto ini = parse_ini(*t, conf_path);
    auto sec = ini.find(profile == "default" ? "default" : "profile " + profile);
    if (sec != ini.end()) {
      if (auto r = sec->second.find("region"); r != sec->second.end() && !r->second.empty()) {
        return {r->second, fmt::format("profile {} in {}", profile, conf_path)};
      }
    }
  }
  if (imds_region) {
    if (auto r = imds_region()) return {*r, "EC2 instance metadata"};
  }
  return {};
}

}  // namespace frugal::aws
