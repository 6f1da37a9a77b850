#include "billing/row_loop.h"

#include <cctype>

namespace frugal::billing::detail {

// Athena's column naming: lower case, anything else than a letter or digit becomes '_'.
std::string athena_name(const std::string& s) {
  std::string o;
  for (char c : s) o += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  return o;
}

// Value of `key` in a map cell: JSON ({"user_team":"ml"}), Python-dict ({'user_team': 'ml'}) or
// Athena map ({user_team=ml}) syntax. Empty when the key is absent.
std::string map_value(std::string_view cell, std::string_view key) {
  for (std::size_t at = cell.find(key); at != std::string_view::npos; at = cell.find(key, at + 1)) {
    const char before = at > 0 ? cell[at - 1] : '{';
    std::size_t p = at + key.size();
    const char after = p < cell.size() ? cell[p] : '\0';
    const bool quoted = before == '"' || before == '\'';
    if (quoted ? after != before : (before != '{' && before != ' ' && before != ',')) continue;
    if (quoted) ++p;
    while (p < cell.size() && cell[p] == ' ') ++p;
    if (p >= cell.size() || (cell[p] != ':' && cell[p] != '=')) continue;
    ++p;
    while (p < cell.size() && cell[p] == ' ') ++p;
    if (p < cell.size() && (cell[p] == '"' || cell[p] == '\'')) {
      const std::size_t end = cell.find(cell[p], p + 1);
      return std::string(cell.substr(p + 1, end == std::string_view::npos ? std::string_view::npos : end - p - 1));
    }
    const std::size_t end = cell.find_first_of(",}", p);
    return std::string(cell.substr(p, end == std::string_view::npos ? std::string_view::npos : end - p));
  }
  return "";
}


Columns columns_for(Format f) {
  switch (f) {
    case Format::kCurLegacy:
      return {"lineItem/UsageStartDate", "lineItem/UnblendedCost", "savingsPlan/SavingsPlanEffectiveCost",
              "reservation/EffectiveCost", "product/instanceType", "lineItem/UsageType", "lineItem/LineItemDescription",
              "lineItem/UsageAccountId", "product/region", "lineItem/LineItemType", "savingsPlan/SavingsPlanARN",
              "reservation/ReservationARN", "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
              "reservation/UnusedRecurringFee", "lineItem/UsageAmount", "pricing/unit",
              "savingsPlan/TotalCommitmentToDate", "savingsPlan/UsedCommitment",
              "reservation/AmortizedUpfrontFeeForBillingPeriod", "lineItem/ResourceId", "", "", "", "", ""};
    case Format::kCurAthena:
    case Format::kCur2:
      return {"line_item_usage_start_date", "line_item_unblended_cost", "savings_plan_savings_plan_effective_cost",
              "reservation_effective_cost", "product_instance_type", "line_item_usage_type",
              "line_item_line_item_description", "line_item_usage_account_id", "product_region",
              "line_item_line_item_type", "savings_plan_savings_plan_a_r_n", "reservation_reservation_a_r_n",
              "reservation_unused_amortized_upfront_fee_for_billing_period", "reservation_unused_recurring_fee",
              "line_item_usage_amount", "pricing_unit", "savings_plan_total_commitment_to_date",
              "savings_plan_used_commitment", "reservation_amortized_upfront_fee_for_billing_period", "line_item_resource_id",
              "", "", "", "", ""};
    case Format::kFocus:
      return {"ChargePeriodStart", "BilledCost", "EffectiveCost", "", "", "", "ChargeDescription", "SubAccountId",
              "RegionId", "ChargeCategory", "", "", "", "", "ConsumedQuantity", "ConsumedUnit", "", "", "", "ResourceId",
              "CommitmentDiscountType", "PricingCategory", "SkuPriceDetails", "CommitmentDiscountStatus", "ListCost"};
  }
  return {};
}

TagSource tag_source(Format f, const std::string& key) {
  switch (f) {
    case Format::kCurLegacy: return {{"resourceTags/user:" + key, "resourceTags/" + key}, {}};
    case Format::kCurAthena: return {{"resource_tags_user_" + athena_name(key)}, {}};
    case Format::kCur2: return {{"resource_tags"}, {"user_" + key, key}};
    case Format::kFocus: return {{"Tags"}, {key, "user:" + key, "user_" + key}};
  }
  return {};
}

RowPlan plan_rows(const std::vector<std::string>& header, const std::string& name, Format format, const ReadOptions& opt) {
  RowPlan p;
  p.want = columns_for(format);
  p.header_size = header.size();
  const Columns& want = p.want;
  std::map<std::string, int> idx;
  for (std::size_t i = 0; i < header.size(); ++i) {
    // Two columns of one name: which one holds the cost is anyone's guess, so neither is taken.
    if (auto [it, fresh] = idx.emplace(header[i], static_cast<int>(i)); !fresh) {
      fail_at({name, 1, 1}, fmt::format("duplicate column '{}' (columns {} and {})", header[i], it->second + 1, i + 1));
    }
  }
  auto col = [&](const std::string& c, bool required) {
    if (c.empty()) return -1;
    auto it = idx.find(c);
    if (it == idx.end()) {
      if (required) fail_at({name, 1, 1}, fmt::format("missing required column '{}' for {}", c, to_string(format)));
      return -1;
    }
    return it->second;
  };
  p.c_date = col(want.date, true);
  p.c_cost = col(want.cost, true);
  p.c_am_sp = col(want.amortized_sp, false);
  p.c_am_ri = col(want.amortized_ri, false);
  p.c_inst = col(want.product_instance, false);
  p.c_usage = col(want.usage_type, false);
  p.c_desc = col(want.description, false);
  p.c_acct = col(want.account, false);
  p.c_region = col(want.region, false);
  p.c_type = col(want.line_type, false);
  p.c_sp = col(want.sp_arn, false);
  p.c_ri = col(want.ri_arn, false);
  p.c_ri_up = col(want.ri_unused_upfront, false);
  p.c_ri_rec = col(want.ri_unused_recurring, false);
  p.c_resource = col(want.resource, false);
  // FOCUS fields for purchase option and commitments.
  const bool focus = format == Format::kFocus;
  p.c_commit_type = col(want.commitment_type, false);
  p.c_pricing = col(want.pricing_category, false);
  p.c_sku = col(want.sku_details, false);
  p.c_status = col(want.commitment_status, false);
  p.c_list = col(want.list_cost, false);
  // Split cost allocation rows (EKS/ECS pods) re-state part of a parent instance line: the parent
  // carries the cost, so they are counted but not summed.
  p.c_split = col(focus ? "" : format == Format::kCurLegacy ? "splitLineItem/ParentResourceId" : "split_line_item_parent_resource_id", false);
  p.c_usage_amount = col(want.usage_amount, false);
  p.c_unit = col(want.pricing_unit, false);
  p.c_sp_total = col(want.sp_total, false);
  p.c_sp_used = col(want.sp_used, false);
  p.c_ri_upfront = col(want.ri_amortized_upfront, false);
  // The tag: its own column (CUR legacy, Athena) or a key inside a map column (CUR 2.0, FOCUS).
  if (!opt.tag_key.empty()) {
    const TagSource t = tag_source(format, opt.tag_key);
    for (const auto& c : t.columns) {
      if ((p.c_tag = col(c, false)) >= 0) break;
    }
    p.tag_keys = t.map_keys;
  }
  return p;
}

std::vector<int> RowPlan::used() const {
  std::vector<int> u;
  for (int c : {c_date, c_cost, c_am_sp, c_am_ri, c_inst, c_usage, c_desc, c_acct, c_region, c_type, c_sp, c_ri, c_ri_up, c_ri_rec,
                c_resource, c_commit_type, c_pricing, c_sku, c_status, c_list, c_split, c_usage_amount, c_unit, c_sp_total, c_sp_used,
                c_ri_upfront, c_tag}) {
    if (c >= 0 && std::find(u.begin(), u.end(), c) == u.end()) u.push_back(c);
  }
  std::sort(u.begin(), u.end());
  return u;
}

}  // namespace frugal::billing::detail
