#!/usr/bin/env bash
# `frugal bill --source athena`: the groupings of billing/bill_query.h as one SQL query, checked for
# real by running it in DuckDB (the reference engine, from npm) over a CUR 2.0 (then FOCUS, then
# legacy CUR Athena) Parquet export that
# DuckDB wrote from a synthetic bill; DuckDB's result rows are then served by a real moto_server as
# the Athena query's results, and frugal's whole analysis from Athena must equal its analysis of
# the same export read locally. moto runs no SQL: what it covers is the API (StartQueryExecution,
# GetQueryExecution's QUEUED -> RUNNING -> SUCCEEDED, GetQueryResults, named workgroups, the query
# text it was sent); the SQL itself is DuckDB's to run. Paging and failed queries: tests/aws/athena_test.cpp.
set -euo pipefail
frugal="$1"; data="$2"; src="$3"
export FRUGAL_DATA_DIR="$data"
tmp=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$src/tests/lib/servers.sh"
find_moto
if [[ -z "$moto" ]]; then echo "moto_server not installed: skipped"; exit 77; fi
"$src/tests/duckdb/install.sh"
cd "$tmp"
"$frugal" bill synth --days 10 --seed 7 --no-gzip --accounts 5 --out-dir . >/dev/null
node "$src/tests/duckdb/bill_to_parquet.mjs" synthetic-cur-seed7-10d-a5.csv cur2.parquet --shape cur2 --compression zstd >/dev/null
# The local analysis of the export.
"$frugal" --format json bill cur2.parquet --tag team --by resource --top 0 | jq -S 'del(.synthetic)' > local.json
[[ $(jq '.by_account | length' local.json) -ge 3 ]] || fail "expected several accounts in the bill"
# The query in DuckDB's dialect over the Parquet file, run by DuckDB.
"$frugal" bill --source athena --table "read_parquet('cur2.parquet')" --tag team --print-sql --sql-dialect duckdb > duckdb.sql
node "$src/tests/duckdb/athena_results.mjs" duckdb.sql > results.json
[[ $(jq '.results[0].rows | length' results.json) -gt 50 ]] || fail "DuckDB returned too few rows: $(head -c 300 results.json)"
# moto serves those rows as the Athena query's result.
start_on_free_port moto /moto-api/ "$moto" -H 127.0.0.1 -p PORT || fail "moto_server did not start"
url="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_CONFIG_FILE=/nonexistent
curl -s -f -o /dev/null -X POST "$url/moto-api/static/athena/query-results" -H "Content-Type: application/json" -d @results.json ||
  fail "could not set moto's Athena results"
"$frugal" --format json bill --source athena --database cur --table data --tag team --by resource --top 0 \
  --output-location s3://athena-results/frugal/ --endpoint-url "$url" | jq -S 'del(.synthetic)' > athena.json
diff -u local.json athena.json > diff.txt || { head -60 diff.txt; fail "the analysis from Athena differs from the local one"; }
echo "ok - the analysis from Athena's result rows equals the local analysis ($(jq '.gpu_lines' local.json) GPU lines, \$$(jq '.gpu_usd' local.json))"
# What frugal sent: the Athena dialect of the same query, over the named table, in database cur.
# (moto routes by the service in the Authorization header; its signature is not checked)
athena() { curl -s -f "$url/" -H "X-Amz-Target: AmazonAthena.$1" -H "Content-Type: application/x-amz-json-1.1" \
  -H "Authorization: AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/athena/aws4_request, SignedHeaders=host, Signature=0" -d "$2"; }
id=$(athena ListQueryExecutions '{}' | jq -r '.QueryExecutionIds[0]')
sent=$(athena GetQueryExecution "{\"QueryExecutionId\":\"$id\"}")
jq -j '.QueryExecution.Query' <<<"$sent" > athena.sql
[[ $(jq -r '.QueryExecution.QueryExecutionContext.Database' <<<"$sent") == cur ]] || fail "database not sent: $sent"
[[ $(jq -r '.QueryExecution.ResultConfiguration.OutputLocation' <<<"$sent") == s3://athena-results/frugal/* ]] || fail "output location not sent: $sent"
# The two dialects differ only in the map lookup and the table.
sed -e "s/element_at(resource_tags, '\\([a-z_]*\\)')/resource_tags['\\1']/g" -e "s/FROM data$/FROM read_parquet('cur2.parquet')/" athena.sql > athena_as_duckdb.sql
diff -u duckdb.sql athena_as_duckdb.sql || fail "the Athena query is not the DuckDB-checked one"
grep -q "GROUP BY GROUPING SETS" athena.sql || fail "expected one GROUPING SETS scan"
# The other table schemas: a FOCUS 1.2 table and a legacy CUR Athena table, each through DuckDB
# and moto, each equal to the local analysis of the same export.
"$frugal" bill synth --days 10 --seed 7 --no-gzip --bill-format focus --out-dir . >/dev/null
node "$src/tests/duckdb/bill_to_parquet.mjs" synthetic-focus-seed7-10d.csv focus.parquet --shape focus >/dev/null
node "$src/tests/duckdb/bill_to_parquet.mjs" synthetic-cur-seed7-10d-a5.csv legacy.parquet --shape athena >/dev/null
for pair in focus:focus cur-athena:legacy; do
  schema=${pair%%:*} file=${pair#*:}
  "$frugal" --format json bill "$file.parquet" --tag team --by resource --top 0 | jq -S 'del(.synthetic)' > "local-$file.json"
  "$frugal" bill --source athena --bill-format "$schema" --table "read_parquet('$file.parquet')" --tag team --print-sql --sql-dialect duckdb > "$file.sql"
  node "$src/tests/duckdb/athena_results.mjs" "$file.sql" > "results-$file.json"
  curl -s -f -o /dev/null -X POST "$url/moto-api/static/athena/query-results" -H "Content-Type: application/json" -d @"results-$file.json"
  "$frugal" --format json bill --source athena --bill-format "$schema" --database cur --table "$file" --tag team --by resource --top 0 \
    --endpoint-url "$url" | jq -S 'del(.synthetic)' > "athena-$file.json"
  diff -u "local-$file.json" "athena-$file.json" > diff.txt || { head -40 diff.txt; fail "$schema: the analysis from Athena differs from the local one"; }
done
echo "ok - FOCUS and legacy CUR Athena tables too"
# A workgroup that does not exist: Athena's error, exit 1.
curl -s -f -o /dev/null -X POST "$url/moto-api/static/athena/query-results" -H "Content-Type: application/json" -d @results.json
set +e; "$frugal" bill --source athena --database cur --table data --workgroup nosuch --endpoint-url "$url" >/dev/null 2>err.txt; rc=$?; set -e
[[ $rc -ne 0 ]] && grep -q "WorkGroup does not exist" err.txt || fail "unknown workgroup: rc $rc, $(cat err.txt)"
echo "athena bill test: ok"
