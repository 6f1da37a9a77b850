#!/usr/bin/env bash
# Parquet bill exports, written by an independent writer (DuckDB from npm, tests/duckdb): frugal's
# analysis of each Parquet file must equal its analysis of the CSV the file was made from, and its
# total must equal DuckDB's own SUM over the file to the cent. Shapes AWS uses (CUR 2.0 with MAP
# columns, FOCUS 1.2 with a Tags MAP and DECIMAL costs, legacy CUR with Athena columns), each
# compression, dictionaries on and off, v1 and v2 data pages (v2 brings DELTA encodings), several
# row groups on 1 and 2 threads. Broken files: exit 2 and an error naming file, row group, column.
set -euo pipefail
frugal="$1"; data="$2"; src="$3"
export FRUGAL_DATA_DIR="$data"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$src/tests/duckdb/install.sh"
to_parquet() { node "$src/tests/duckdb/bill_to_parquet.mjs" "$@"; }
duck() { node "$src/tests/duckdb/sql.mjs" "$1"; }
cd "$tmp"
"$frugal" bill synth --days 10 --seed 7 --no-gzip --out-dir . >/dev/null
"$frugal" bill synth --days 10 --seed 7 --no-gzip --bill-format focus --out-dir . >/dev/null
cur=synthetic-cur-seed7-10d.csv; focus=synthetic-focus-seed7-10d.csv
# The analysis without the one field that differs by input (whether the file name says synthetic).
analysis() { "$frugal" --format json bill "$@" --tag team | jq -S 'del(.synthetic)'; }
analysis "$cur" > cur.json
analysis "$focus" > focus.json
[[ $(jq '.lines' cur.json) -gt 4000 ]] || fail "expected a bill of several row groups"
checked=0
check() {  # reference json, parquet file, duckdb sum, extra frugal args...
  local ref=$1 pq=$2 sum=$3; shift 3
  analysis "$pq" "$@" > got.json || fail "$pq: frugal bill failed"
  diff -u "$ref" got.json > diff.txt || { head -40 diff.txt; fail "$pq ($*): analysis differs from the CSV's"; }
  local total; total=$(jq -r '.total_usd' got.json)
  [[ $(printf '%.2f' "$total") == $(printf '%.2f' "$sum") ]] || fail "$pq: frugal total $total, DuckDB SUM $sum"
  checked=$((checked + 1))
}
for codec in snappy zstd gzip uncompressed; do
  for dict in on off; do
    for version in v1 v2; do
      f=cur2-$codec-$dict-$version.parquet
      sum=$(to_parquet "$cur" "$f" --shape cur2 --compression "$codec" --dictionary "$dict" --version "$version" --row-group-size 2048 | jq -r .cost)
      check cur.json "$f" "$sum"
    done
  done
done
check cur.json cur2-zstd-on-v2.parquet "$(duck "SELECT SUM(line_item_unblended_cost) FROM 'cur2-zstd-on-v2.parquet'")" --threads 2
# The files hold what AWS's do: MAP columns, dictionaries when asked, DELTA encodings on v2 pages.
[[ $(duck "SELECT count(*) FROM parquet_schema('cur2-snappy-on-v1.parquet') WHERE name IN ('resource_tags','product') AND converted_type = 'MAP'") == 2 ]] || fail "cur2 files must have MAP columns"
[[ $(duck "SELECT count(DISTINCT row_group_id) FROM parquet_metadata('cur2-snappy-on-v1.parquet')") -ge 2 ]] || fail "expected several row groups"
duck "SELECT DISTINCT encodings FROM parquet_metadata('cur2-snappy-on-v1.parquet')" | grep -q DICTIONARY || fail "dictionary encoding expected with --dictionary on"
if duck "SELECT DISTINCT encodings FROM parquet_metadata('cur2-snappy-off-v1.parquet') WHERE path_in_schema = 'line_item_usage_account_id'" | grep -q DICTIONARY; then fail "no dictionary expected with --dictionary off"; fi
duck "SELECT DISTINCT encodings FROM parquet_metadata('cur2-snappy-off-v2.parquet')" | grep -q DELTA || fail "DELTA encodings expected on v2 pages"
for codec in snappy zstd; do
  for dict in on off; do
    f=focus-$codec-$dict.parquet
    check focus.json "$f" "$(to_parquet "$focus" "$f" --shape focus --compression "$codec" --dictionary "$dict" --version v2 --row-group-size 2048 | jq -r .cost)"
  done
done
check focus.json focus-double.parquet "$(to_parquet "$focus" focus-double.parquet --shape focus --money double | jq -r .cost)"
check cur.json athena.parquet "$(to_parquet "$cur" athena.parquet --shape athena --compression gzip | jq -r .cost)"
echo "checked $checked Parquet files against their CSV and DuckDB's sums"

# Broken files: exit 2, and the error says where.
expect_error() {  # file, pattern
  set +e; "$frugal" bill "$1" >/dev/null 2>err.txt; local rc=$?; set -e
  [[ $rc -eq 2 ]] || fail "$1: expected exit 2, got $rc ($(cat err.txt))"
  grep -q -- "$2" err.txt || fail "$1: error should match '$2': $(cat err.txt)"
}
head -c 20000 cur2-snappy-on-v1.parquet > truncated.parquet
expect_error truncated.parquet "truncated.parquet: truncated Parquet file"
# Garbage over the first data page of the cost column.
off=$(duck "SELECT data_page_offset FROM parquet_metadata('cur2-snappy-off-v1.parquet') WHERE path_in_schema = 'line_item_unblended_cost' AND row_group_id = 1")
cp cur2-snappy-off-v1.parquet corrupt.parquet
printf '\377%.0s' $(seq 1 64) | dd of=corrupt.parquet bs=1 seek=$((off + 8)) conv=notrunc status=none
expect_error corrupt.parquet "corrupt.parquet: row group 1, column line_item_unblended_cost: "
# A cost that is not a number: the row is named.
duck "COPY (SELECT * REPLACE (CASE WHEN identity_line_item_id = '3000' THEN 'twelve' ELSE CAST(line_item_unblended_cost AS VARCHAR) END AS line_item_unblended_cost) FROM 'athena.parquet') TO 'badcost.parquet' (FORMAT parquet)" >/dev/null
expect_error badcost.parquet "badcost.parquet: row group 0, column line_item_unblended_cost, row 3000: expected a decimal amount in line_item_unblended_cost, got 'twelve'"
echo "parquet bill test: ok"
