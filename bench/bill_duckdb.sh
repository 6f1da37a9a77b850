#!/usr/bin/env bash
# frugal bill against DuckDB (from npm: tests/duckdb, the reference engine) in the same run, on the
# same bills, 1 and 2 threads, with exact sums checked:
#   - legacy CUR CSV, realistic cardinality (100 accounts, a few dozen resources and tag values);
#   - the same fleet with adversarial cardinality (a new account and resource id on every line, a
#     new tag value every two lines);
#   - the realistic bill as a CUR 2.0 Parquet export (MAP columns, Snappy), written by DuckDB.
# frugal: the whole `frugal bill --tag team` analysis (GPU tables, breakdowns, resources, trend,
# anomalies, coverage, opportunities), wall time of the process. DuckDB, over a typed read_csv /
# read_parquet, timed inside the Node process (start-up excluded):
#   - "lean": bench/bill_duckdb_lean.sql, the core groupings hand-written the way a DuckDB user
#     would (GPU filter, purchase rule, amortized cost, cost by day x type x purchase, account,
#     region, tag, resource and totals; DOUBLE sums): the reference the speed-up is measured against;
#   - "same": the GROUPING SETS query frugal generates for Athena (`--print-sql --sql-dialect
#     duckdb`), exact DECIMAL sums and every grouping frugal computes: realistic inputs only
#     (BILL_BENCH_SAME=all runs it on the adversarial bill too; it needs >10 GB and minutes there).
# Peak RSS of each process (Node's own ~60 MB included for DuckDB). Median of BILL_BENCH_RUNS runs.
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
families=$("$frugal" bill --source athena --table t --print-sql | sed -n "s/.* IN (\('dl1'.*\)) AS gpu$/\1/p")
[[ -n $families ]] || { echo "could not read the GPU families from the generated query"; exit 1; }
echo "bill engine vs DuckDB $(node -e "console.log(require('$root/tests/duckdb/node_modules/@duckdb/node-api/package.json').version)"), $(nproc) cores, median of $runs runs"
printf "%-36s %3s %8s %8s %8s %8s %9s %10s %11s\n" input thr frugal_s lean_s speedup same_s speedup "GB/s Mrow/s" "RSS MB f/lean"
duck() {  # query file, threads -> "seconds rss_kb" (checks sums against frugal.json)
  /usr/bin/time -f "%M" -o time.txt node "$root/tests/duckdb/bench_query.mjs" "$1" "$2" > duck.json
  [[ $(printf '%.2f' "$(jq .total_usd frugal.json)") == $(printf '%.2f' "$(jq -r .total_cost duck.json)") ]] ||
    { echo "MISMATCH total ($1): frugal $(jq .total_usd frugal.json), DuckDB $(jq -r .total_cost duck.json)" >&2; exit 1; }
  [[ $(printf '%.2f' "$(jq .gpu_usd frugal.json)") == $(printf '%.2f' "$(jq -r .gpu_cost duck.json)") ]] ||
    { echo "MISMATCH GPU total ($1): frugal $(jq .gpu_usd frugal.json), DuckDB $(jq -r .gpu_cost duck.json)" >&2; exit 1; }
  [[ $(jq .lines frugal.json) == $(jq .lines duck.json) ]] || { echo "MISMATCH lines ($1)" >&2; exit 1; }
  echo "$(jq .seconds duck.json) $(cat time.txt)"
}
bench() {  # label, file, schema (cur-athena|cur2), duckdb table expression, run the "same" query (1/0)
  local label=$1 file=$2 schema=$3 table=$4 same=$5 bytes lines
  bytes=$(stat -c %s "$file")
  "$frugal" bill --source athena --bill-format "$schema" --table "$table" --tag team --print-sql --sql-dialect duckdb > same.sql
  local tagcol=resource_tags_user_team
  [[ $schema == cur2 ]] && tagcol="element_at(resource_tags, 'user_team')[1]"
  sed -e "s|@TABLE@|$table|" -e "s|@FAMILIES@|$families|" -e "s|resource_tags_user_team AS tag|$tagcol AS tag|" "$root/bench/bill_duckdb_lean.sql" > lean.sql
  for t in 1 2; do
    local fs=() ls=() ss=() frss=() lrss=() r
    for _ in $(seq 1 "$runs"); do
      /usr/bin/time -f "%e %M" -o time.txt "$frugal" --format json bill "$file" --tag team --threads "$t" > frugal.json
      read -r s m < time.txt; fs+=("$s"); frss+=("$m")
      r=$(duck lean.sql "$t"); ls+=("${r% *}"); lrss+=("${r#* }")
      if [[ $same == 1 ]]; then r=$(duck same.sql "$t"); ss+=("${r% *}"); fi
    done
    lines=$(jq .lines frugal.json)
    local f l sm fr lr
    f=$(printf '%s\n' "${fs[@]}" | median); l=$(printf '%s\n' "${ls[@]}" | median)
    sm=$( [[ $same == 1 ]] && printf '%s\n' "${ss[@]}" | median || echo 0)
    fr=$(printf '%s\n' "${frss[@]}" | median); lr=$(printf '%s\n' "${lrss[@]}" | median)
    awk -v lab="$label" -v t="$t" -v f="$f" -v l="$l" -v sm="$sm" -v b="$bytes" -v n="$lines" -v fr="$fr" -v lr="$lr" 'BEGIN{
      printf "%-36s %3s %8.2f %8.2f %7.2fx ", lab, t, f, l, l / f;
      if (sm > 0) printf "%8.2f %8.2fx ", sm, sm / f; else printf "%8s %9s ", "-", "-";
      printf "%5.3f %4.2f %6.0f/%-4.0f\n", b / f / 1e9, n / f / 1e6, fr / 1024, lr / 1024 }'
  done
}
bench "CUR CSV $(( $(stat -c %s "$real") / 1000000 )) MB, 100 accounts" "$real" cur-athena "$(csv_table "$real")" 1
bench "CUR CSV $(( $(stat -c %s "$adv") / 1000000 )) MB, adversarial keys" "$adv" cur-athena "$(csv_table "$adv")" "$([[ ${BILL_BENCH_SAME:-} == all ]] && echo 1 || echo 0)"
bench "CUR 2.0 Parquet $(( $(stat -c %s "$pq") / 1000000 )) MB, 100 accounts" "$pq" cur2 "read_parquet('$pq')" 1
echo "sums: bill total, GPU total and line count equal between frugal and DuckDB on every input and query"
echo "GB/s: input bytes (the Parquet file's compressed size) / frugal's time"
