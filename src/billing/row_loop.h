// The row loop the CSV and Parquet bill readers share: column names per format, the plan of
// which columns a format's rows are read from (so Parquet reads only those), and the rules that
// turn one row of text cells into a LineItem (purchase option, amortized cost per line item type,
// commitments, usage hours). Internal to billing.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "billing/bill_query.h"
#include "billing/instance_type.h"
#include "billing/reader.h"
#include "core/error.h"

namespace frugal::billing::detail {

// Column names per format for each field frugal needs ("" = not in that format). The readers and
// the Athena query (bill_query.cpp) both take their names from here.
struct Columns {
  std::string date, cost, amortized_sp, amortized_ri, product_instance, usage_type, description, account, region,
      line_type, sp_arn, ri_arn, ri_unused_upfront, ri_unused_recurring, usage_amount, pricing_unit, sp_total,
      sp_used, ri_amortized_upfront, resource;
  // FOCUS only.
  std::string commitment_type, pricing_category, sku_details, commitment_status, list_cost;
};

Columns columns_for(Format f);

// Where a tag's value is: the first of `columns` present (CUR legacy, Athena: one column per tag),
// or inside the map column columns[0] under the first of `map_keys` present (CUR 2.0, FOCUS).
struct TagSource {
  std::vector<std::string> columns;
  std::vector<std::string> map_keys;
};
TagSource tag_source(Format f, const std::string& key);

// Athena's column naming: lower case, anything else than a letter or digit becomes '_'.
std::string athena_name(const std::string& s);
// Value of `key` in a map cell: JSON ({"user_team":"ml"}), Python-dict ({'user_team': 'ml'}) or
// Athena map ({user_team=ml}) syntax. Empty when the key is absent.
std::string map_value(std::string_view cell, std::string_view key);

// Column indexes of one file's header for each field (-1: not in the file).
struct RowPlan {
  Columns want;
  std::size_t header_size = 0;
  int c_date = -1, c_cost = -1, c_am_sp = -1, c_am_ri = -1, c_inst = -1, c_usage = -1, c_desc = -1, c_acct = -1, c_region = -1,
      c_type = -1, c_sp = -1, c_ri = -1, c_ri_up = -1, c_ri_rec = -1, c_resource = -1, c_commit_type = -1, c_pricing = -1,
      c_sku = -1, c_status = -1, c_list = -1, c_split = -1, c_usage_amount = -1, c_unit = -1, c_sp_total = -1, c_sp_used = -1,
      c_ri_upfront = -1, c_tag = -1;
  std::vector<std::string> tag_keys;  // keys to look up in the tag map column
  std::vector<int> used() const;      // the columns read, ascending
};
// Throws InputError naming `name` for duplicate or missing required columns.
RowPlan plan_rows(const std::vector<std::string>& header, const std::string& name, Format format, const ReadOptions& opt);

// Reads the records after the header from `reader` (a class with next(vector<string_view>&),
// record_line() and field_location(column)), handing each line item to `sink`.
template <class Records>
void read_rows(Records& reader, const RowPlan& p, const std::string& name, const LineSink& sink, const ReadOptions& opt, ReadStats& st) {
  std::vector<std::string_view> f;
  const Columns& want = p.want;
  const int c_date = p.c_date, c_cost = p.c_cost, c_am_sp = p.c_am_sp, c_am_ri = p.c_am_ri, c_inst = p.c_inst, c_usage = p.c_usage,
            c_desc = p.c_desc, c_acct = p.c_acct, c_region = p.c_region, c_type = p.c_type, c_sp = p.c_sp, c_ri = p.c_ri,
            c_ri_up = p.c_ri_up, c_ri_rec = p.c_ri_rec, c_resource = p.c_resource, c_commit_type = p.c_commit_type,
            c_pricing = p.c_pricing, c_sku = p.c_sku, c_status = p.c_status, c_list = p.c_list, c_split = p.c_split,
            c_usage_amount = p.c_usage_amount, c_unit = p.c_unit, c_sp_total = p.c_sp_total, c_sp_used = p.c_sp_used,
            c_ri_upfront = p.c_ri_upfront, c_tag = p.c_tag;
  const std::vector<std::string>& tag_keys = p.tag_keys;
  LineItem li;  // reused: its strings keep their capacity from row to row

  auto get = [&](int c) -> std::string_view { return c >= 0 && c < static_cast<int>(f.size()) ? f[c] : std::string_view(); };
  auto amount = [&](int c, const char* what) -> Nanos {
    if (c < 0) return 0;
    auto v = parse_amount(get(c));
    if (!v) {
      // A well-formed number that is only too big gets its own reason: one line is at most
      // INT64_MAX nano-dollars (sums are 128-bit and cannot wrap).
      const std::string_view text = get(c);
      const std::string copy(text);
      char* stop = nullptr;
      const double d = std::strtod(copy.c_str(), &stop);
      const bool numeric = !copy.empty() && stop == copy.c_str() + copy.size() && std::isfinite(d) &&
                           copy.find_first_of("xXnN") == std::string::npos;  // not hex, inf or nan
      fail_at(reader.field_location(c),
              numeric ? fmt::format("amount in {} out of range: '{}' (one line may carry at most {} either way)", what, text,
                                        format_usd(std::numeric_limits<std::int64_t>::max()))
                      : fmt::format("expected a decimal amount in {}, got '{}'", what, text));
    }
    return *v;
  };

  while (reader.next(f)) {
    if (f.size() == 1 && f[0].empty()) continue;
    ++st.rows;
    if (c_split >= 0 && c_split < static_cast<int>(f.size()) && !f[c_split].empty()) {
      ++st.split_rows;
      continue;
    }
    try {
      if (f.size() != p.header_size) {
        fail_at({name, reader.record_line(), 1},
                fmt::format("expected {} fields as in the header, found {}", p.header_size, f.size()));
      }
      li.reset();
      const std::string_view d = get(c_date);
      if (d.size() < 10 || d[4] != '-' || d[7] != '-') {
        fail_at(reader.field_location(c_date), fmt::format("expected a date like 2024-09-27T15:00:00Z, got '{}'", d));
      }
      li.date = d.substr(0, 10);
      if (d.size() >= 13 && (d[10] == 'T' || d[10] == ' ') && std::isdigit(static_cast<unsigned char>(d[11])) &&
          std::isdigit(static_cast<unsigned char>(d[12]))) {
        li.hour = (d[11] - '0') * 10 + (d[12] - '0');
        if (li.hour > 23) fail_at(reader.field_location(c_date), fmt::format("expected an hour 00-23 in '{}'", d));
      }
      if (c_tag >= 0) {
        const std::string_view cell = get(c_tag);
        if (tag_keys.empty()) {
          li.tag = cell;
        } else {
          for (const auto& k : tag_keys) {
            if (!(li.tag = map_value(cell, k)).empty()) break;
          }
        }
      }
      li.cost = amount(c_cost, want.cost.c_str());
      li.account = get(c_acct);
      li.region = get(c_region);
      li.resource = get(c_resource);
      li.line_type = get(c_type);
      const std::string_view usage = get(c_usage);
      li.instance_type = get(c_inst);
      if (li.instance_type == "NULL") li.instance_type.clear();
      if (li.instance_type.empty()) li.instance_type = find_instance_type(usage);
      if (li.instance_type.empty()) li.instance_type = find_instance_type(get(c_desc));
      if (li.instance_type.empty() && c_sku >= 0) li.instance_type = find_instance_type(get(c_sku));
      if (st.format == Format::kFocus) {
        const std::string_view ct = get(c_commit_type);
        const std::string_view pc = get(c_pricing);
        if (ct == "Savings Plan" || ct == "SavingsPlan") li.purchase = PurchaseOption::kSavingsPlan;
        else if (ct == "Reservation" || ct == "Reserved") li.purchase = PurchaseOption::kReserved;
        else if (pc == "Dynamic") li.purchase = PurchaseOption::kSpot;
        else if (pc == "Standard" || pc == "On-Demand") li.purchase = PurchaseOption::kOnDemand;
        else if (pc == "Committed") li.purchase = PurchaseOption::kSavingsPlan;
        li.amortized = amount(c_am_sp, want.amortized_sp.c_str());
        // FOCUS 1.1+: a row of a commitment is Used (covered usage) or Unused (the idle part).
        const std::string_view status = get(c_status);
        if (!status.empty() && li.purchase != PurchaseOption::kOnDemand && li.purchase != PurchaseOption::kSpot) {
          li.commitment = ct == "Reservation" || ct == "Reserved" ? PurchaseOption::kReserved : PurchaseOption::kSavingsPlan;
          li.commitment_total = li.amortized;
          if (status == "Unused") li.commitment_unused = li.amortized;
        }
        if (li.line_type == "Usage" && status != "Unused" && !li.instance_type.empty() && is_hours_unit(get(c_unit))) {
          li.usage_hours = static_cast<double>(amount(c_usage_amount, want.usage_amount.c_str())) / 1e9;
          li.list_cost = c_list >= 0 ? amount(c_list, want.list_cost.c_str()) : li.cost;
        }
      } else {
        // The purchase option, amortized cost and instance hours by the rules of bill_query.h,
        // the one definition the Athena SQL is generated from.
        const std::string_view ri = get(c_ri);
        li.purchase = cur_purchase(get(c_sp), ri, usage);
        const LineTypeRule& rule = cur_line_rule(li.line_type);
        switch (rule.amortized) {
          case Amortized::kCost: li.amortized = li.cost; break;
          case Amortized::kZero: li.amortized = 0; break;
          case Amortized::kSavingsPlanEffective: li.amortized = amount(c_am_sp, want.amortized_sp.c_str()); break;
          case Amortized::kReservationEffective: li.amortized = amount(c_am_ri, want.amortized_ri.c_str()); break;
          case Amortized::kSavingsPlanUnused:
            // The unused commitment (total - used); the used part is in the covered usage lines.
            if (c_sp_total >= 0 && c_sp_used >= 0) {
              li.commitment = PurchaseOption::kSavingsPlan;
              li.commitment_total = amount(c_sp_total, want.sp_total.c_str());
              li.commitment_unused = li.commitment_total - amount(c_sp_used, want.sp_used.c_str());
            }
            li.amortized = li.commitment_unused;
            break;
          case Amortized::kReservationUnused:
            li.amortized = amount(c_ri_up, "unused upfront fee") + amount(c_ri_rec, "unused recurring fee");
            li.commitment = PurchaseOption::kReserved;
            li.commitment_total = li.cost + amount(c_ri_upfront, want.ri_amortized_upfront.c_str());
            li.commitment_unused = li.amortized;
            break;
          case Amortized::kZeroIfReservation: li.amortized = ri.empty() ? li.cost : 0; break;  // RI upfront: spread over its usage
        }
        if (rule.instance_hours && !li.instance_type.empty() && is_hours_unit(get(c_unit))) {
          li.usage_hours = static_cast<double>(amount(c_usage_amount, want.usage_amount.c_str())) / 1e9;
          li.list_cost = li.cost;
        }
      }
      sink(li);
    } catch (const Error& e) {
      if (!opt.skip_bad_rows) throw;
      if (st.bad_rows++ == 0) st.first_bad = e.what();
    }
  }
}

}  // namespace frugal::billing::detail
