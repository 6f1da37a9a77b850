#include "pricing/live_rates.h"

#include <fmt/format.h>

#include <sstream>

#include "aws/json_client.h"
#include "core/csv.h"
#include "core/error.h"
#include "core/output.h"

namespace frugal::pricing {
namespace {

using json = nlohmann::json;

constexpr double kMaxOnDemandRatio = 10;  // a live on-demand price this far off the snapshot is wrong
constexpr std::size_t kTypesPerSpCall = 20;

std::string payment_of(const std::string& aws) {
  if (aws == "No Upfront") return "no-upfront";
  if (aws == "Partial Upfront") return "partial-upfront";
  if (aws == "All Upfront") return "all-upfront";
  return "";
}

double usd(const json& dim) {
  const json per_unit = dim.value("pricePerUnit", json::object());
  const std::string v = per_unit.value("USD", "");
  auto d = parse_double(v);
  if (!d) throw Error(fmt::format("pricing GetProducts: bad price '{}'", v));
  return *d;
}

void parse_product(const json& item, const std::string& region, std::vector<LiveRate>& out) {
  // value() returns copies: keep them alive while iterating.
  const json product = item.value("product", json::object());
  const json attr = product.value("attributes", json::object());
  const std::string type = attr.value("instanceType", "");
  if (type.empty() || attr.value("operation", "") != "RunInstances") return;  // Linux only
  if (attr.value("locationType", "AWS Region") != "AWS Region") return;     // no Local Zones
  if (attr.contains("regionCode") && attr.value("regionCode", "") != region) return;
  const std::string version = item.value("publicationDate", item.value("version", ""));
  const std::string as_of = version.substr(0, 10);
  const std::string source = fmt::format("AWS Price List API GetProducts ({})", version);
  const json terms = item.value("terms", json::object());
  const json on_demand = terms.value("OnDemand", json::object());
  const json reserved = terms.value("Reserved", json::object());
  for (const auto& [code, term] : on_demand.items()) {
    const json dims = term.value("priceDimensions", json::object());
    for (const auto& [k, dim] : dims.items()) {
      if (dim.value("unit", "") != "Hrs") continue;
      const double price = usd(dim);
      if (price <= 0) continue;  // $0 SKUs are reservations' usage lines, not a price
      out.push_back({type, region, "on-demand", 0, "", "", "", price, as_of, source});
    }
  }
  for (const auto& [code, term] : reserved.items()) {
    const json ta = term.value("termAttributes", json::object());
    const std::string length = ta.value("LeaseContractLength", "");
    const int years = length == "1yr" ? 1 : length == "3yr" ? 3 : 0;
    const std::string payment = payment_of(ta.value("PurchaseOption", ""));
    std::string cls = ta.value("OfferingClass", "");
    if (!years || payment.empty() || (cls != "standard" && cls != "convertible")) continue;
    double hourly = 0, upfront = 0;
    const json dims = term.value("priceDimensions", json::object());
    for (const auto& [k, dim] : dims.items()) {
      if (dim.value("unit", "") == "Hrs") hourly += usd(dim);
      else if (dim.value("unit", "") == "Quantity") upfront += usd(dim);
    }
    out.push_back({type, region, "ri", years, cls, payment, "", hourly + upfront / (years * kTermHoursPerYear), as_of, source});
  }
}

}  // namespace

std::vector<LiveRate> fetch_price_list(aws::AwsClient& pricing, const std::string& region, const std::string& location,
                                       const std::vector<std::string>& types) {
  std::vector<LiveRate> out;
  for (const auto& type : types) {
    std::string token;
    do {
      json filters = json::array();
      for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
               {"instanceType", type}, {"location", location}, {"operatingSystem", "Linux"}, {"tenancy", "Shared"},
               {"preInstalledSw", "NA"}, {"capacitystatus", "Used"}, {"licenseModel", "No License required"}}) {
        filters.push_back({{"Type", "TERM_MATCH"}, {"Field", field}, {"Value", value}});
      }
      json body = {{"ServiceCode", "AmazonEC2"}, {"FormatVersion", "aws_v1"}, {"Filters", filters}, {"MaxResults", 100}};
      if (!token.empty()) body["NextToken"] = token;
      const json page = aws::json_call(pricing, "AWSPriceListService", "GetProducts", body);
      const json list = page.value("PriceList", json::array());
      for (const auto& s : list) {
        json item;
        try {
          item = s.is_string() ? json::parse(s.get<std::string>()) : s;
        } catch (const std::exception&) {
          throw Error("pricing GetProducts: a PriceList entry is not JSON");
        }
        parse_product(item, region, out);
      }
      token = page.value("NextToken", "");
    } while (!token.empty());
  }
  return out;
}

std::vector<LiveRate> fetch_savings_plans(aws::AwsClient& sp, const std::string& region,
                                          const std::vector<std::string>& types) {
  std::vector<LiveRate> out;
  for (std::size_t from = 0; from < types.size(); from += kTypesPerSpCall) {
    json names = json::array();
    for (std::size_t i = from; i < types.size() && i < from + kTypesPerSpCall; ++i) names.push_back(types[i]);
    std::string token;
    do {
      json body = {{"savingsPlanTypes", {"Compute", "EC2Instance"}},
                   {"products", {"EC2"}},
                   {"serviceCodes", {"AmazonEC2"}},
                   {"operations", {"RunInstances"}},
                   {"filters",
                    {{{"name", "region"}, {"values", {region}}},
                     {{"name", "instanceType"}, {"values", names}},
                     {{"name", "tenancy"}, {"values", {"shared"}}},
                     {{"name", "productDescription"}, {"values", {"Linux/UNIX"}}}}},
                   {"maxResults", 1000}};
      if (!token.empty()) body["nextToken"] = token;
      aws::HttpRequest req;
      req.method = "POST";
      req.path = "/DescribeSavingsPlansOfferingRates";
      req.body = body.dump();
      req.set_header("Content-Type", "application/json");
      const auto resp = sp.call(req);
      json page;
      try {
        page = json::parse(resp.body);
      } catch (const std::exception&) {
        throw Error("savingsplans DescribeSavingsPlansOfferingRates: response is not JSON");
      }
      const json results = page.value("searchResults", json::array());
      for (const auto& r : results) {
        if (r.value("operation", "") != "RunInstances" || r.value("unit", "") != "Hrs") continue;
        std::string type, rregion;
        const json props = r.value("properties", json::array());
        for (const auto& p : props) {
          if (p.value("name", "") == "instanceType") type = p.value("value", "");
          if (p.value("name", "") == "region") rregion = p.value("value", "");
        }
        if (rregion != region || type.empty()) continue;  // Local Zone rates carry their own region code
        const json off = r.value("savingsPlanOffering", json::object());
        const long long secs = off.value("durationSeconds", 0LL);
        const int years = secs == 31536000 ? 1 : secs == 94608000 ? 3 : 0;
        const std::string plan = off.value("planType", "") == "EC2Instance" ? "ec2-instance"
                                 : off.value("planType", "") == "Compute"   ? "compute"
                                                                             : "";
        const std::string payment = payment_of(off.value("paymentOption", ""));
        auto rate = parse_double(r.value("rate", ""));
        if (!years || plan.empty() || payment.empty() || !rate) continue;
        out.push_back({type, region, "sp", years, "", payment, plan, *rate, "",
                       "AWS savingsplans DescribeSavingsPlansOfferingRates"});
      }
      token = page.value("nextToken", "");
    } while (!token.empty());
  }
  return out;
}

std::vector<std::string> check_rates(const std::vector<LiveRate>& rates, const Catalog& bundled) {
  std::vector<std::string> bad;
  std::map<std::string, double> live_od;
  for (const auto& r : rates) {
    if (r.kind == "on-demand") live_od[r.instance_type] = r.usd_per_hour;
  }
  for (const auto& r : rates) {
    const std::string what = fmt::format("{} {} {}", r.instance_type, r.region, r.kind == "on-demand" ? "on-demand" : r.kind + fmt::format(" {}y {}", r.years, r.payment));
    if (!(r.usd_per_hour > 0)) {
      bad.push_back(fmt::format("{}: ${} is not a price", what, r.usd_per_hour));
      continue;
    }
    const InstanceType* it = bundled.find_instance(r.instance_type);
    const auto snap = it ? it->on_demand_hourly() : std::nullopt;
    if (r.kind == "on-demand" && snap && (r.usd_per_hour > *snap * kMaxOnDemandRatio || r.usd_per_hour * kMaxOnDemandRatio < *snap)) {
      bad.push_back(fmt::format("{}: ${:.4g}/h is more than {:g}x off the bundled ${:.4g}/h", what, r.usd_per_hour,
                                kMaxOnDemandRatio, *snap));
    }
    auto od = live_od.count(r.instance_type) ? std::optional<double>(live_od[r.instance_type]) : snap;
    if (r.kind != "on-demand" && od && r.usd_per_hour > *od * 1.0001) {
      bad.push_back(fmt::format("{}: ${:.4g}/h is above on-demand ${:.4g}/h", what, r.usd_per_hour, *od));
    }
  }
  return bad;
}

std::string refusal(const std::string& what, const std::vector<std::string>& reasons) {
  std::string why;
  for (std::size_t i = 0; i < reasons.size() && i < 3; ++i) why += (i ? "; " : "") + reasons[i];
  return fmt::format("refused to write the {}, {} rate{} look wrong: {}{}", what, reasons.size(), reasons.size() > 1 ? "s" : "",
                     why, reasons.size() > 3 ? "; ..." : "");
}

std::string rates_csv(const std::vector<LiveRate>& rates) {
  std::ostringstream o;
  o << "instance_type,region,kind,years,offering_class,payment,plan_type,usd_per_hour,as_of,source\n";
  for (const auto& r : rates) {
    o << fmt::format("{},{},{},{},{},{},{},{:.8g},{},{}\n", r.instance_type, r.region, r.kind, r.years, r.offering_class,
                     r.payment, r.plan_type, r.usd_per_hour, r.as_of, csv_escape(r.source));
  }
  return o.str();
}

}  // namespace frugal::pricing
