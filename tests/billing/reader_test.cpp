#include "billing/reader.h"

#include <fmt/format.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "billing/aggregate.h"
#include "billing/instance_type.h"
#include "catalog/catalog.h"
#include "core/error.h"
#include "test_util.h"

using namespace frugal;
using namespace frugal::billing;

namespace {
std::vector<LineItem> read(const std::string& text, Format* fmt = nullptr) {
  std::istringstream in(text);
  std::vector<LineItem> out;
  auto st = read_bill(in, "t.csv", [&](const LineItem& li) { out.push_back(li); });
  if (fmt) *fmt = st.format;
  return out;
}
std::string error_of(const std::string& text) {
  try {
    read(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
const Catalog& cat() {
  static Catalog c = Catalog::load(FRUGAL_TEST_DATA_DIR);
  return c;
}
std::string sqlite(const std::string& csv, const std::string& query) {
  const std::string cmd = "sqlite3 :memory: -cmd '.mode csv' -cmd \".import '" + csv + "' bill\" \"" + query + "\" 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[256];
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '"')) out.pop_back();
  if (!out.empty() && out.front() == '"') out.erase(0, 1);
  return out;
}
const char* kCurHeader =
    "lineItem/UsageStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageType,lineItem/LineItemDescription,"
    "lineItem/UnblendedCost,product/instanceType,product/region,savingsPlan/SavingsPlanARN,"
    "savingsPlan/SavingsPlanEffectiveCost,reservation/ReservationARN,reservation/EffectiveCost\n";
}  // namespace

TEST(Decimal, ExactParsing) {
  EXPECT_EQ(parse_amount("1.62400000000").value(), 1624000000);
  EXPECT_EQ(parse_amount("-0.5").value(), -500000000);
  EXPECT_EQ(parse_amount("0.0000000015").value(), 2);  // rounds half away from zero at 1e-9
  EXPECT_EQ(parse_amount("NULL").value(), 0);
  EXPECT_EQ(parse_amount("").value(), 0);
  EXPECT_EQ(parse_amount("1E-3").value(), 1000000);
  EXPECT_FALSE(parse_amount("12abc"));
  EXPECT_FALSE(parse_amount("-"));
  EXPECT_EQ(format_usd(1234567890123), "$1,234.57");
  // Regression (libFuzzer): a 40-digit amount overflowed __int128 while scaling to nanos.
  EXPECT_FALSE(parse_amount("1234567890123456789012345678901234567890.5"));
  EXPECT_FALSE(parse_amount("9300000000"));  // > int64 nano-dollars
  EXPECT_EQ(parse_amount("9000000000").value(), 9000000000LL * 1000000000LL);
  // Sums are 128-bit: a million lines at the largest amount one line may carry, exactly, and
  // printed to the cent without a round trip through double.
  const Nanos most = parse_amount("-9223372036.854775807").value();
  Nanos sum = 0;
  for (int i = 0; i < 1000000; ++i) sum += most;
  EXPECT_EQ(format_usd(sum), "-$9,223,372,036,854,775.81");
  EXPECT_EQ(format_usd(parse_amount("0.005").value()), "$0.01");
  EXPECT_EQ(format_usd(parse_amount("-0.004999999").value()), "-$0.00");
}

TEST(InstanceType, FromUsageTypeAndDescription) {
  EXPECT_EQ(find_instance_type("USE1-BoxUsage:p5.48xlarge"), "p5.48xlarge");
  EXPECT_EQ(find_instance_type("USW2-SpotUsage:g5.xlarge"), "g5.xlarge");
  EXPECT_EQ(find_instance_type("$1.624 per On Demand Linux g5.4xlarge Instance Hour"), "g5.4xlarge");
  EXPECT_EQ(find_instance_type("USE1-ml.g5.2xlarge-Hosting:ml.g5.2xlarge"), "ml.g5.2xlarge");
  EXPECT_EQ(find_instance_type("USE1-BoxUsage:p6-b200.48xlarge"), "p6-b200.48xlarge");
  EXPECT_EQ(find_instance_type("USE1-DataTransfer-Out-Bytes"), "");
  EXPECT_EQ(find_instance_type("1.5 GB-Mo"), "");
}

TEST(Reader, CurPurchaseOptionsAndAmortizedCostFollowAwsRules) {
  Format f;
  auto rows = read(std::string(kCurHeader) +
                       "2025-09-01T00:00:00Z,111,Usage,USE1-BoxUsage:p5.48xlarge,,55.04,p5.48xlarge,us-east-1,,,,\n"
                       "2025-09-01T01:00:00Z,111,Usage,USE1-SpotUsage:g5.xlarge,,0.43,,us-east-1,,,,\n"
                       "2025-09-01T02:00:00Z,111,SavingsPlanCoveredUsage,USE1-BoxUsage:p4d.24xlarge,,21.96,p4d.24xlarge,us-east-1,arn:sp,14.2,,\n"
                       "2025-09-01T02:00:00Z,111,SavingsPlanNegation,USE1-BoxUsage:p4d.24xlarge,,-21.96,p4d.24xlarge,us-east-1,arn:sp,,,\n"
                       "2025-09-01T03:00:00Z,111,DiscountedUsage,USE1-BoxUsage:inf2.xlarge,,0,inf2.xlarge,us-east-1,,,arn:ri,0.45\n",
                   &f);
  EXPECT_EQ(f, Format::kCurLegacy);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].purchase, PurchaseOption::kOnDemand);
  EXPECT_EQ(rows[1].purchase, PurchaseOption::kSpot);
  EXPECT_EQ(rows[1].instance_type, "g5.xlarge");  // empty product column: parsed from the usage type
  EXPECT_EQ(rows[2].purchase, PurchaseOption::kSavingsPlan);
  EXPECT_EQ(rows[2].amortized, 14200000000);
  EXPECT_EQ(rows[3].amortized, 0);
  EXPECT_EQ(rows[4].purchase, PurchaseOption::kReserved);
  EXPECT_EQ(rows[4].amortized, 450000000);
  GpuAggregator agg(cat());
  for (const auto& r : rows) agg.add(r);
  EXPECT_EQ(agg.result().gpu_cost, 55040000000 + 430000000);  // SP covered + negation cancel out
  EXPECT_EQ(agg.result().gpu_amortized, 55040000000 + 430000000 + 14200000000 + 450000000);
}

TEST(Reader, DetectsAthenaAndCur2Columns) {
  Format f;
  read("line_item_usage_start_date,line_item_unblended_cost,line_item_usage_type\n2025-09-01T00:00:00Z,1.5,BoxUsage:g6.xlarge\n", &f);
  EXPECT_EQ(f, Format::kCurAthena);
  auto r = read("line_item_usage_start_date,line_item_unblended_cost,line_item_usage_type,product\n"
                "2025-09-01T00:00:00Z,1.5,BoxUsage:g6.xlarge,\"{'instance_type': 'g6.xlarge'}\"\n",
                &f);
  EXPECT_EQ(f, Format::kCur2);
  EXPECT_EQ(r[0].instance_type, "g6.xlarge");
}

TEST(Reader, BadInputNamesFileLineAndColumn) {
  EXPECT_EQ(error_of("a,b\n1,2\n"), "t.csv:1:1: unrecognised bill header: expected FOCUS (BilledCost, ChargePeriodStart), CUR "
                                    "(lineItem/UnblendedCost) or CUR 2.0 / Athena (line_item_unblended_cost) columns");
  EXPECT_EQ(error_of("lineItem/UnblendedCost\n1\n"), "t.csv:1:1: missing required column 'lineItem/UsageStartDate' for CUR (legacy)");
  EXPECT_EQ(error_of(std::string(kCurHeader) + "2025-09-01T00:00:00Z,111,Usage,x,,12,34,,,,,,\n"),
            "t.csv:2:1: expected 12 fields as in the header, found 13");
  EXPECT_EQ(error_of(std::string(kCurHeader) + "2025-09-01T00:00:00Z,111,Usage,x,,1.2.3,,,,,,\n"),
            "t.csv:2:35: expected a decimal amount in lineItem/UnblendedCost, got '1.2.3'");
  EXPECT_EQ(error_of(std::string(kCurHeader) + "yesterday,111,Usage,x,,1,,,,,,\n"),
            "t.csv:2:1: expected a date like 2024-09-27T15:00:00Z, got 'yesterday'");
  EXPECT_NE(error_of(std::string(kCurHeader) + "2025-09-01,111,Usage,\"x,,1,,,,,,\n").find("unterminated quoted field"), std::string::npos);
}

TEST(Reader, SkipBadRowsCountsThem) {
  std::istringstream in(std::string(kCurHeader) + "2025-09-01T00:00:00Z,1,Usage,BoxUsage:g5.xlarge,,oops,,,,,,\n" +
                        "2025-09-01T00:00:00Z,1,Usage,BoxUsage:g5.xlarge,,1.00,,,,,,\n");
  ReadOptions o;
  o.skip_bad_rows = true;
  int n = 0;
  auto st = read_bill(in, "t.csv", [&](const LineItem&) { ++n; }, o);
  EXPECT_EQ(n, 1);
  EXPECT_EQ(st.bad_rows, 1);
  EXPECT_NE(st.first_bad.find("t.csv:2:"), std::string::npos);
}

// The official FOCUS sample and a real anonymized CUR: totals equal an independent SQL SUM
// (sqlite3 loading the same CSV) to the cent.
TEST(Reader, TotalsMatchSqlite) {
  const std::string dir = std::string(FRUGAL_TEST_FIXTURES) + "/billing/";
  for (const auto& [file, cost_col, gpu_filter] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"focus1.0_official_sample_1000.csv", "BilledCost", "ChargeDescription LIKE '% g5.%' OR ChargeDescription LIKE '% g3.%'"},
           {"cur_legacy_sample_2023-11.csv", "lineItem/UnblendedCost", "0"}}) {
    GpuAggregator agg(cat());
    read_bill_file(dir + file, [&](const LineItem& li) { agg.add(li); });
    const std::string total = sqlite(dir + file, "SELECT printf('%.2f', SUM(\\\"" + cost_col + "\\\")) FROM bill");
    const std::string gpu = sqlite(dir + file, "SELECT printf('%.2f', TOTAL(\\\"" + cost_col + "\\\")) FROM bill WHERE " + gpu_filter);
    EXPECT_EQ(fmt::format("{:.2f}", to_usd(agg.result().total_cost)), total) << file;
    EXPECT_EQ(fmt::format("{:.2f}", to_usd(agg.result().gpu_cost)), gpu) << file;
  }
}

TEST(Reader, GzipFilesAndTruncation) {
  const std::string csv = std::string(kCurHeader) + "2025-09-01T00:00:00Z,1,Usage,BoxUsage:g5.xlarge,,1.25,,,,,,\n";
  const std::string gz = gzip_bytes(csv);
  auto ok = write_temp("frugal_bill.csv.gz", gz);
  Nanos sum = 0;
  read_bill_file(ok, [&](const LineItem& li) { sum += li.cost; });
  EXPECT_EQ(sum, 1250000000);
  auto cut = write_temp("frugal_bill_cut.csv.gz", gz.substr(0, gz.size() - 12));
  try {
    read_bill_file(cut, [](const LineItem&) {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("frugal_bill_cut.csv.gz"), std::string::npos) << e.what();
  }
}

// Deflate decodes garbage until the member's CRC: a file corrupt half-way first looks like bad
// CSV. The error must say what it is: corrupt gzip, with the file.
TEST(Reader, GzipCorruptHalfWayIsAGzipError) {
  const std::string dir = std::string(FRUGAL_TEST_FIXTURES) + "/billing/";
  std::ifstream f(dir + "focus1.0_official_sample_1000.csv", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string gz = gzip_bytes(ss.str());
  for (std::size_t i = gz.size() / 2; i < gz.size() / 2 + 64; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  auto bad = write_temp("frugal_bill_corrupt.csv.gz", gz);
  try {
    read_bill_file(bad, [](const LineItem&) {});
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind(bad + ": corrupt or truncated gzip data (", 0), 0u) << m;
  }
}

TEST(Reader, TagsFromEachFormat) {
  auto tag_of = [](const std::string& text, const std::string& key) {
    std::istringstream in(text);
    ReadOptions o;
    o.tag_key = key;
    std::vector<std::string> tags;
    read_bill(in, "t.csv", [&](const LineItem& li) { tags.push_back(li.tag); }, o);
    return tags;
  };
  EXPECT_EQ(tag_of("lineItem/UsageStartDate,lineItem/UnblendedCost,resourceTags/user:team\n2025-09-01T00:00:00Z,1,ml\n2025-09-01T00:00:00Z,1,\n", "team"),
            (std::vector<std::string>{"ml", ""}));
  EXPECT_EQ(tag_of("line_item_usage_start_date,line_item_unblended_cost,resource_tags_user_cost_center\n2025-09-01T00:00:00Z,1,42\n", "cost-center"),
            std::vector<std::string>{"42"});
  EXPECT_EQ(tag_of("line_item_usage_start_date,line_item_unblended_cost,resource_tags\n"
                   "2025-09-01T00:00:00Z,1,\"{\"\"user_team\"\": \"\"infra\"\", \"\"user_teams\"\": \"\"x\"\"}\"\n"
                   "2025-09-01T00:00:00Z,1,\"{user_project=a, user_team=web}\"\n",
                   "team"),
            (std::vector<std::string>{"infra", "web"}));
  EXPECT_EQ(tag_of("BilledCost,ChargePeriodStart,Tags\n1,2025-09-01T00:00:00Z,\"{\"\"team\"\":\"\"ml\"\"}\"\n"
                   "1,2025-09-01T00:00:00Z,\"{\"\"user:team\"\":\"\"data\"\"}\"\n",
                   "team"),
            (std::vector<std::string>{"ml", "data"}));
}

TEST(Reader, UsageHoursAndCommitmentFees) {
  // CUR: hours only on usage lines in hours; the fee lines carry the commitment and its unused part.
  auto rows = read(
      "lineItem/UsageStartDate,lineItem/LineItemType,lineItem/UsageType,lineItem/UsageAmount,lineItem/UnblendedCost,"
      "product/instanceType,pricing/unit,savingsPlan/SavingsPlanARN,savingsPlan/TotalCommitmentToDate,savingsPlan/UsedCommitment,"
      "reservation/ReservationARN,reservation/AmortizedUpfrontFeeForBillingPeriod,reservation/UnusedAmortizedUpfrontFeeForBillingPeriod,"
      "reservation/UnusedRecurringFee\n"
      "2025-09-01T05:00:00Z,Usage,BoxUsage:g5.xlarge,0.5,0.503,g5.xlarge,Hrs,,,,,,,\n"
      "2025-09-01T05:00:00Z,Usage,EBS:VolumeUsage.gp3,100,8,,GB-Mo,,,,,,,\n"
      "2025-09-01T05:00:00Z,SavingsPlanRecurringFee,ComputeSP:1yrNoUpfront,1,16,,,arn:sp,16,12,,,,\n"
      "2025-09-01T05:00:00Z,RIFee,HeavyUsage:inf2.xlarge,720,100,inf2.xlarge,Hrs,,,,arn:ri,50,30,20\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].hour, 5);
  EXPECT_DOUBLE_EQ(rows[0].usage_hours, 0.5);
  EXPECT_EQ(rows[0].list_cost, 503000000);
  EXPECT_EQ(rows[1].usage_hours, 0);  // no instance type
  EXPECT_EQ(rows[2].commitment, PurchaseOption::kSavingsPlan);
  EXPECT_EQ(rows[2].commitment_total, 16000000000);
  EXPECT_EQ(rows[2].commitment_unused, 4000000000);
  EXPECT_EQ(rows[2].amortized, 4000000000);  // CID: the unused commitment
  EXPECT_EQ(rows[3].usage_hours, 0);         // a fee, not usage
  EXPECT_EQ(rows[3].commitment, PurchaseOption::kReserved);
  EXPECT_EQ(rows[3].commitment_total, 150000000000);
  EXPECT_EQ(rows[3].commitment_unused, 50000000000);
  // FOCUS 1.1: Used / Unused rows of a commitment; ListCost is the on-demand price of covered usage.
  rows = read(
      "BilledCost,ChargePeriodStart,ChargeCategory,ChargeDescription,PricingCategory,CommitmentDiscountType,"
      "CommitmentDiscountStatus,ConsumedQuantity,ConsumedUnit,ListCost,EffectiveCost\n"
      "0,2025-09-01T03:00:00Z,Usage,$21.96 per On Demand Linux p4d.24xlarge Instance Hour,Committed,Savings Plan,Used,1,Hours,21.96,15.81\n"
      "0,2025-09-01T03:00:00Z,Usage,Unused Compute Savings Plan,Committed,Savings Plan,Unused,0,,0,1.2\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].purchase, PurchaseOption::kSavingsPlan);
  EXPECT_DOUBLE_EQ(rows[0].usage_hours, 1);
  EXPECT_EQ(rows[0].list_cost, 21960000000);
  EXPECT_EQ(rows[0].commitment_total, 15810000000);
  EXPECT_EQ(rows[0].commitment_unused, 0);
  EXPECT_EQ(rows[1].usage_hours, 0);
  EXPECT_EQ(rows[1].commitment_total, 1200000000);
  EXPECT_EQ(rows[1].commitment_unused, 1200000000);
}

// Chunked reading gives the same line items (as sums) as one thread, at every thread count,
// The error text of reading `path` on one stream and in two chunks ("" when it reads).
std::pair<std::string, std::string> one_and_chunked_errors(const std::string& path) {
  std::string one, chunked;
  try {
    read_bill_file(path, [](const LineItem&) {});
  } catch (const Error& e) {
    one = e.what();
  }
  try {
    read_bill_file_chunked(path, {[](const LineItem&) {}, [](const LineItem&) {}});
  } catch (const Error& e) {
    chunked = e.what();
  }
  return {one, chunked};
}

// with quoted commas and newlines near the split points; errors name the same line.
TEST(Reader, ChunkedReadMatchesOneThread) {
  std::string csv = std::string(kCurHeader);
  for (int i = 0; csv.size() < (6u << 20); ++i) {
    const char* type = i % 3 == 0 ? "p5.48xlarge" : i % 3 == 1 ? "g5.xlarge" : "m5.large";
    const std::string desc = i % 7 == 0 ? "\"multi\nline, \"\"quoted\"\" description\"" : "plain";
    csv += fmt::format("2025-09-{:02d}T{:02d}:00:00Z,111,Usage,USE1-BoxUsage:{},{},{}.{:03d},{},us-east-1,,,,\n", 1 + i % 28,
                       i % 24, type, desc, i % 50, i % 1000, type);
  }
  const std::string path = write_temp("frugal_chunked.csv", csv);
  auto totals = [&](std::size_t threads) {
    std::vector<GpuAggregator> aggs(threads, GpuAggregator(cat()));
    std::vector<LineSink> sinks;
    for (auto& a : aggs) sinks.emplace_back([&a](const LineItem& li) { a.add(li); });
    const ReadStats st = read_bill_file_chunked(path, sinks);
    for (std::size_t i = 1; i < aggs.size(); ++i) aggs[0].merge(aggs[i]);
    const GpuSpend& s = aggs[0].result();
    std::string out = fmt::format("rows {} lines {} total {} gpu {}", st.rows, s.lines, s.total_cost, s.gpu_cost);
    for (const auto& [d, m] : s.by_day_type) {
      for (const auto& [t, v] : m) out += fmt::format(" {}/{}={}", d, t, v);
    }
    return out;
  };
  Nanos one = 0;
  long long rows = 0;
  const ReadStats st = read_bill_file(path, [&](const LineItem& li) {
    one += li.cost;
    ++rows;
  });
  EXPECT_EQ(st.rows, rows);
  const std::string expected = totals(1);
  EXPECT_NE(expected.find(fmt::format("total {}", one)), std::string::npos);
  for (std::size_t n : {2u, 3u, 4u, 7u}) EXPECT_EQ(totals(n), expected) << n << " threads";

  // A bad amount near the end: the same error text as a one-thread stream read.
  std::string bad = csv + "2025-09-01T00:00:00Z,111,Usage,USE1-BoxUsage:g5.xlarge,\"a\nb\",1.2.3,g5.xlarge,us-east-1,,,,\n";
  const auto [one_err, chunked_err] = one_and_chunked_errors(write_temp("frugal_chunked_bad.csv", bad));
  EXPECT_FALSE(one_err.empty());
  EXPECT_EQ(chunked_err, one_err);
}

// Records longer than the reading window's look-ahead (1 MiB): a 3 MiB quoted description with
// newlines, several times, read in chunks on 1 and 2 threads exactly as one stream read; an
// unterminated quote is still reported with the stream reader's error.
TEST(Reader, RecordsLongerThanTheReadWindow) {
  std::string csv = std::string(kCurHeader);
  std::string big = "\"";
  while (big.size() < (3u << 20)) big += "long text, \"\"quoted\"\"\nand another line ";
  big += "\"";
  for (int i = 0; csv.size() < (12u << 20); ++i) {
    const std::string desc = i % 500 == 250 ? big : "plain";
    csv += fmt::format("2025-09-{:02d}T{:02d}:00:00Z,111,Usage,USE1-BoxUsage:g5.xlarge,{},{}.{:03d},g5.xlarge,us-east-1,,,,\n", 1 + i % 28,
                       i % 24, desc, i % 50, i % 1000);
  }
  const std::string path = write_temp("frugal_long_records.csv", csv);
  Nanos one = 0;
  const ReadStats st1 = read_bill_file(path, [&](const LineItem& li) { one += li.cost; });
  for (std::size_t n : {1u, 2u}) {
    std::vector<Nanos> sums(n, 0);
    std::vector<LineSink> sinks;
    for (std::size_t i = 0; i < n; ++i) sinks.emplace_back([&sums, i](const LineItem& li) { sums[i] += li.cost; });
    const ReadStats st = read_bill_file_chunked(path, sinks);
    Nanos total = 0;
    for (auto v : sums) total += v;
    EXPECT_EQ(total, one) << n << " threads";
    EXPECT_EQ(st.rows, st1.rows) << n << " threads";
  }
  const auto [one_err, chunked_err] = one_and_chunked_errors(
      write_temp("frugal_unterminated.csv", csv + "2025-09-01T00:00:00Z,111,Usage,USE1-BoxUsage:g5.xlarge,\"never closed,1,g5.xlarge,us-east-1,,,,\n"));
  EXPECT_NE(one_err.find("unterminated quoted field"), std::string::npos) << one_err;
  EXPECT_EQ(chunked_err, one_err);
}

TEST(Reader, SplitCostAllocationRowsAreNotSummedTwice) {
  std::istringstream in(
      "lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/UsageType,product/instanceType,splitLineItem/ParentResourceId\n"
      "2025-09-01T00:00:00Z,40,BoxUsage:g5.12xlarge,g5.12xlarge,\n"
      "2025-09-01T00:00:00Z,25,BoxUsage:g5.12xlarge,g5.12xlarge,i-0abc\n"
      "2025-09-01T00:00:00Z,15,BoxUsage:g5.12xlarge,g5.12xlarge,i-0abc\n");
  Nanos sum = 0;
  const ReadStats st = read_bill(in, "t.csv", [&](const LineItem& li) { sum += li.cost; });
  EXPECT_EQ(st.rows, 3);
  EXPECT_EQ(st.split_rows, 2);
  EXPECT_EQ(sum, 40000000000);
}
