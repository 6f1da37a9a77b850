#!/usr/bin/env bash
# frugal bill against DuckDB (from npm: tests/duckdb, the reference engine) in the same run, on the
# same bills, 1 and 2 threads, with exact sums checked:
#   - legacy CUR CSV, realistic cardinality (100 accounts, a few dozen resources and tag values);
#   - the same fleet with adversarial cardinality (a new account and resource id on every line, a
#     new tag value every two lines);
#   - the realistic bill as a CUR 2.0 Parquet export (MAP columns, Snappy), written by DuckDB.
# frugal: the whole `frugal bill --tag team` analysis (GPU tables, breakdowns, resources, trend,
# anomalies, coverage, opportunities), wall time of the process. DuckDB: the same groupings — the
# GROUPING SETS query frugal generates for Athena (`--print-sql --sql-dialect duckdb`) — over a
# typed read_csv / read_parquet, timed inside the Node process (start-up excluded). Peak RSS: of
# each process (Node's own ~60 MB included for DuckDB). Median of BILL_BENCH_RUNS runs.
# BILL_BENCH_SCALE: fleet size (125: ~840 MB realistic CSV, 3.1M lines). Files are kept in
# BILL_BENCH_DIR (default /tmp/frugal-bill-duckdb) and reused when present.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
frugal=$root/build/release/src/cli/frugal
scale=${BILL_BENCH_SCALE:-125}
runs=${BILL_BENCH_RUNS:-3}
dir=${BILL_BENCH_DIR:-/tmp/frugal-bill-duckdb}
mkdir -p "$dir"
tests/duckdb/install.sh
cd "$dir"
real=synthetic-cur-seed42-60d-x$scale-a100.csv
adv=synthetic-cur-seed42-60d-x$scale-adversarial.csv
[[ -f $real ]] || "$frugal" bill synth --scale "$scale" --accounts 100 --no-gzip >/dev/null
[[ -f $adv ]] || "$frugal" bill synth --scale "$scale" --cardinality adversarial --no-gzip >/dev/null
pq=${real%.csv}.parquet
[[ -f $pq ]] || node "$root/tests/duckdb/bill_to_parquet.mjs" "$real" "$pq" --shape cur2 --compression snappy >/dev/null
# DuckDB's typed view of a legacy CUR CSV: every column typed, named as Athena names them.
csv_table() {
  printf "(SELECT \"identity/LineItemId\" AS identity_line_item_id, \"lineItem/UsageAccountId\" AS line_item_usage_account_id, "
  printf "\"lineItem/LineItemType\" AS line_item_line_item_type, \"lineItem/UsageStartDate\" AS line_item_usage_start_date, "
  printf "\"lineItem/UsageType\" AS line_item_usage_type, \"lineItem/ResourceId\" AS line_item_resource_id, "
  printf "\"lineItem/UsageAmount\" AS line_item_usage_amount, \"lineItem/UnblendedCost\" AS line_item_unblended_cost, "
  printf "\"product/instanceType\" AS product_instance_type, \"product/region\" AS product_region, "
  printf "\"savingsPlan/SavingsPlanARN\" AS savings_plan_savings_plan_a_r_n, \"savingsPlan/SavingsPlanEffectiveCost\" AS savings_plan_savings_plan_effective_cost, "
  printf "\"savingsPlan/TotalCommitmentToDate\" AS savings_plan_total_commitment_to_date, \"savingsPlan/UsedCommitment\" AS savings_plan_used_commitment, "
  printf "\"reservation/ReservationARN\" AS reservation_reservation_a_r_n, \"reservation/EffectiveCost\" AS reservation_effective_cost, "
  printf "\"resourceTags/user:team\" AS resource_tags_user_team, CAST(NULL AS VARCHAR) AS pricing_unit, "
  printf "CAST(NULL AS DOUBLE) AS reservation_unused_amortized_upfront_fee_for_billing_period, CAST(NULL AS DOUBLE) AS reservation_unused_recurring_fee, "
  printf "CAST(NULL AS DOUBLE) AS reservation_amortized_upfront_fee_for_billing_period "
  printf "FROM read_csv('%s', header = true, columns = {" "$1"
  printf "'identity/LineItemId': 'BIGINT', 'bill/PayerAccountId': 'VARCHAR', 'lineItem/UsageAccountId': 'VARCHAR', 'lineItem/LineItemType': 'VARCHAR', "
  printf "'lineItem/UsageStartDate': 'TIMESTAMP', 'lineItem/UsageEndDate': 'TIMESTAMP', 'lineItem/ProductCode': 'VARCHAR', 'lineItem/UsageType': 'VARCHAR', "
  printf "'lineItem/Operation': 'VARCHAR', 'lineItem/ResourceId': 'VARCHAR', 'lineItem/UsageAmount': 'DOUBLE', 'lineItem/UnblendedRate': 'DOUBLE', "
  printf "'lineItem/UnblendedCost': 'DOUBLE', 'lineItem/LineItemDescription': 'VARCHAR', 'product/instanceType': 'VARCHAR', 'product/region': 'VARCHAR', "
  printf "'pricing/term': 'VARCHAR', 'savingsPlan/SavingsPlanARN': 'VARCHAR', 'savingsPlan/SavingsPlanEffectiveCost': 'DOUBLE', "
  printf "'savingsPlan/TotalCommitmentToDate': 'DOUBLE', 'savingsPlan/UsedCommitment': 'DOUBLE', 'reservation/ReservationARN': 'VARCHAR', "
  printf "'reservation/EffectiveCost': 'DOUBLE', 'resourceTags/user:team': 'VARCHAR'}))"
}
median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo "bill engine vs DuckDB $(node -e "console.log(require('$root/tests/duckdb/node_modules/@duckdb/node-api/package.json').version)"), $(nproc) cores, median of $runs runs"
printf "%-34s %-7s %8s %8s %9s %9s %8s\n" input threads frugal_s duckdb_s speedup frugal_GB/s frugal_RSS
printf "%-34s %-7s %8s %8s %9s %9s %8s\n" "" "" "" "" "" "(Mrows/s)" "duck_RSS"
bench() {  # label, file, schema (cur-athena|cur2), duckdb table expression
  local label=$1 file=$2 schema=$3 table=$4 bytes lines
  bytes=$(stat -c %s "$file")
  "$frugal" bill --source athena --bill-format "$schema" --table "$table" --tag team --print-sql --sql-dialect duckdb > query.sql
  for t in 1 2; do
    local fs=() ds=() frss=() drss=() out ref
    for _ in $(seq 1 "$runs"); do
      /usr/bin/time -f "%e %M" -o time.txt "$frugal" --format json bill "$file" --tag team --threads "$t" > frugal.json
      read -r s m < time.txt; fs+=("$s"); frss+=("$m")
      /usr/bin/time -f "%M" -o time.txt node "$root/tests/duckdb/bench_query.mjs" query.sql "$t" > duck.json
      ds+=("$(jq .seconds duck.json)"); drss+=("$(cat time.txt)")
    done
    # Exact sums: the bill total and the GPU total agree to the cent, and so do the line counts.
    [[ $(printf '%.2f' "$(jq .total_usd frugal.json)") == $(printf '%.2f' "$(jq -r .total_cost duck.json)") ]] ||
      { echo "MISMATCH total: frugal $(jq .total_usd frugal.json), DuckDB $(jq -r .total_cost duck.json)"; exit 1; }
    [[ $(printf '%.2f' "$(jq .gpu_usd frugal.json)") == $(printf '%.2f' "$(jq -r .gpu_cost duck.json)") ]] ||
      { echo "MISMATCH GPU total: frugal $(jq .gpu_usd frugal.json), DuckDB $(jq -r .gpu_cost duck.json)"; exit 1; }
    lines=$(jq .lines frugal.json)
    [[ $lines == $(jq .lines duck.json) ]] || { echo "MISMATCH lines: frugal $lines, DuckDB $(jq .lines duck.json)"; exit 1; }
    local f d fr dr
    f=$(printf '%s\n' "${fs[@]}" | median); d=$(printf '%s\n' "${ds[@]}" | median)
    fr=$(printf '%s\n' "${frss[@]}" | median); dr=$(printf '%s\n' "${drss[@]}" | median)
    awk -v l="$label" -v t="$t" -v f="$f" -v d="$d" -v b="$bytes" -v n="$lines" -v fr="$fr" -v dr="$dr" 'BEGIN{
      printf "%-34s %-7s %8.2f %8.2f %8.2fx %9.3f %6.0f MB\n", l, t, f, d, d / f, b / f / 1e9, fr / 1024;
      printf "%-34s %-7s %8s %8s %9s %9.2f %6.0f MB\n", "", "", "", "", "", n / f / 1e6, dr / 1024 }'
  done
}
bench "CUR CSV $(( $(stat -c %s "$real") / 1000000 )) MB, 100 accounts" "$real" cur-athena "$(csv_table "$real")"
bench "CUR CSV $(( $(stat -c %s "$adv") / 1000000 )) MB, adversarial keys" "$adv" cur-athena "$(csv_table "$adv")"
bench "CUR 2.0 Parquet $(( $(stat -c %s "$pq") / 1000000 )) MB (same rows)" "$pq" cur2 "read_parquet('$pq')"
echo "sums: bill total, GPU total and line count equal between frugal and DuckDB on every input"
