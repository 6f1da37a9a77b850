#include "cli/catalog_open.h"

#include <fmt/format.h>

#include <sstream>

#include "aws/config.h"
#include "aws/environment.h"
#include "aws/imds.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/suggest.h"

namespace frugal::cli {

Catalog open_catalog(const std::string& data_dir) {
  Catalog::Extra extra;
  extra.spot_cache = default_spot_cache();
  extra.price_cache = default_price_cache();
  extra.model_dirs.push_back(user_data_dir() + "/models");
  return Catalog::load(data_dir, extra);
}

PricingRegions pricing_regions(const std::string& flag, const std::string& profile, const Catalog& cat) {
  const PriceBook& book = cat.price_book();
  PricingRegions out;
  auto check = [&](const std::string& r) {
    const Region* known = book.find_region(r);
    if (!known) {
      std::vector<std::string> codes{"all"};
      for (const auto& x : book.regions()) codes.push_back(x.code);
      throw Error(fmt::format("--region: unknown region '{}'{}", r, did_you_mean(r, codes)));
    }
    if (known->kind != "commercial") {
      throw Error(fmt::format("--region: {} is a {} region; frugal prices commercial regions only", r, known->kind));
    }
  };
  if (flag == "all") {
    out.regions = book.priced_regions();
    out.from = "--region all";
    return out;
  }
  if (!flag.empty()) {
    std::stringstream ss(flag);
    std::string r;
    while (std::getline(ss, r, ',')) {
      if (r.empty()) continue;
      check(r);
      out.regions.push_back(r);
    }
    if (out.regions.empty()) throw Error("--region: expected a region, a comma-separated list or 'all'");
    out.from = "--region";
    return out;
  }
  aws::SystemEnvironment env;
  aws::AwsOptions opt;
  opt.profile = profile;
  auto imds = [&env]() -> std::optional<std::string> {
    auto http = aws::make_imds_transport();
    return aws::imds_region(*http, env).instance_type;
  };
  auto r = aws::resolve_region(opt, env, imds);
  if (r.region.empty()) {
    out.regions = {"us-east-1"};
    out.from = "default: no region configured";
    return out;
  }
  check(r.region);
  out.regions = {r.region};
  out.from = r.from;
  return out;
}

}  // namespace frugal::cli
