#!/usr/bin/env bash
# The AWS-backed commands end to end, as a user runs them against a local emulator: starts a real
# moto_server on a free loopback port, sets Cost Explorer results through moto's configuration
# API, and checks `frugal bill --source cost-explorer` and `frugal alert provision` (twice).
set -euo pipefail
frugal="$1"; data="$2"; fakelib="${3:-}"; scenarios="${4:-}"
moto=$(command -v moto_server || true)
for c in "${HOME:-/root}/.pyenv/shims/moto_server" /root/.pyenv/shims/moto_server; do
  [[ -z "$moto" && -x "$c" ]] && moto="$c"
done
if [[ -z "$moto" ]]; then echo "moto_server not installed: skipped"; exit 0; fi
source "$(dirname "$0")/../lib/servers.sh"
port=$(free_port)
"$moto" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
pid=$!
XDG_CACHE_HOME=""
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; [[ -n "$XDG_CACHE_HOME" ]] && rm -rf "$XDG_CACHE_HOME"' EXIT
url="http://127.0.0.1:$port"
wait_for 120 curl -s -o /dev/null "$url/moto-api/" || true  # the first call below says moto is not there
export FRUGAL_DATA_DIR="$data" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export XDG_CACHE_HOME=$(mktemp -d)
pass=0
curl -s -f -o /dev/null -X POST "$url/moto-api/static/ce/cost-and-usage-results" -H "Content-Type: application/json" -d '{"results":[{"ResultsByTime":[{"TimePeriod":{"Start":"2025-09-01","End":"2025-09-02"},"Estimated":false,"Groups":[{"Keys":["p5.48xlarge"],"Metrics":{"UnblendedCost":{"Amount":"1320.96","Unit":"USD"}}},{"Keys":["g5.xlarge"],"Metrics":{"UnblendedCost":{"Amount":"24.14","Unit":"USD"}}}]}]}]}'
out=$("$frugal" --format json bill --source cost-explorer --start 2025-09-01 --end 2025-09-02 --endpoint-url "$url")
grep -q '"total_usd": 1345.1' <<<"$out" || { echo "FAIL bill: $out"; exit 1; }
pass=$((pass+1))
first=$("$frugal" alert provision --daily-threshold 1000 --email admin@company.com --endpoint-url "$url")
grep -q "changed: alarm frugal-daily-spend" <<<"$first" || { echo "FAIL first provision: $first"; exit 1; }
second=$("$frugal" alert provision --daily-threshold 1000 --email admin@company.com --endpoint-url "$url")
grep -q "nothing to do" <<<"$second" || { echo "FAIL second provision: $second"; exit 1; }
pass=$((pass+1))
# A billing alarm asked for in eu-west-1 goes to us-east-1 (billing metrics exist only there):
# moto keeps regions apart, so asking again from us-east-1 finds it already there.
eu=$("$frugal" alert provision --daily-threshold 500 --email eu@company.com --name frugal-eu --region eu-west-1 --endpoint-url "$url")
grep -q "created there, not in eu-west-1" <<<"$eu" || { echo "FAIL eu provision note: $eu"; exit 1; }
again=$("$frugal" alert provision --daily-threshold 500 --email eu@company.com --name frugal-eu --region us-east-1 --endpoint-url "$url")
grep -q "nothing to do" <<<"$again" || { echo "FAIL eu alarm not in us-east-1: $again"; exit 1; }
pass=$((pass+1))
# moto's spot history is a constant $0.00001 dated 2006: the refresh refuses it and writes nothing.
cache="$XDG_CACHE_HOME/frugal/spot_prices.csv"
if err=$("$frugal" catalog refresh --spot --endpoint-url "$url" 2>&1); then echo "FAIL refresh accepted moto's fake spot prices: $err"; exit 1; fi
grep -q "refused to write the cache" <<<"$err" || { echo "FAIL refresh message: $err"; exit 1; }
grep -q "dated 2006" <<<"$err" || { echo "FAIL refresh reason: $err"; exit 1; }
[[ ! -e "$cache" ]] || { echo "FAIL refresh wrote $cache"; exit 1; }
pass=$((pass+1))
# A gzipped FOCUS export uploaded to moto's S3 is listed, streamed and analysed like a local file.
tmpgz=$(mktemp --suffix .csv.gz)
gzip -c "$(dirname "$0")/../data/billing/focus1.0_official_sample_1000.csv" > "$tmpgz"
curl -s -f -o /dev/null -X PUT "$url/billing-exports"
curl -s -f -o /dev/null -X PUT -H "Content-Type: application/octet-stream" --data-binary @"$tmpgz" "$url/billing-exports/focus/2024-09/part-0.csv.gz"
rm -f "$tmpgz"
out=$("$frugal" --format json bill s3://billing-exports/focus/ --endpoint-url "$url")
grep -q '"gpu_usd": 12.126' <<<"$out" || { echo "FAIL bill s3: $out"; exit 1; }
pass=$((pass+1))
# A Parquet export under a Data Exports-style prefix is listed (.parquet files) and read too.
curl -s -f -o /dev/null -X PUT -H "Content-Type: application/octet-stream" --data-binary @"$(dirname "$0")/../data/billing/focus1.0_official_sample_1000.snappy.parquet" "$url/billing-exports/exports/focus-pq/data/BILLING_PERIOD=2024-09/focus-pq-00001.snappy.parquet"
out=$("$frugal" --format json bill s3://billing-exports/exports/focus-pq/ --endpoint-url "$url")
grep -q '"gpu_usd": 12.126' <<<"$out" || { echo "FAIL bill s3 parquet: $out"; exit 1; }
pass=$((pass+1))
# A CUR manifest in S3 names the report's files; only those are read (the decoy beside them is
# not), from the bucket the manifest names.
curl -s -f -o /dev/null -X PUT -H "Content-Type: application/octet-stream" --data-binary @"$(dirname "$0")/../data/billing/focus1.0_official_sample_1000.csv" "$url/billing-exports/cur/r/20240901-20241001/abc/r-1.csv"
curl -s -f -o /dev/null -X PUT -H "Content-Type: application/octet-stream" --data-binary 'not,a,bill' "$url/billing-exports/cur/r/20240901-20241001/abc/decoy.csv"
curl -s -f -o /dev/null -X PUT -H "Content-Type: application/octet-stream" --data-binary '{"bucket":"billing-exports","reportKeys":["cur/r/20240901-20241001/abc/r-1.csv"]}' "$url/billing-exports/cur/r/20240901-20241001/r-Manifest.json"
out=$("$frugal" --format json bill s3://billing-exports/cur/r/20240901-20241001/r-Manifest.json --endpoint-url "$url")
grep -q '"gpu_usd": 12.126' <<<"$out" || { echo "FAIL bill s3 manifest: $out"; exit 1; }
pass=$((pass+1))
if "$frugal" alert provision --daily-threshold 1000 --email admin@company.com --endpoint-url "http://127.0.0.1:1" 2>/dev/null; then
  echo "FAIL: an unreachable endpoint must fail"; exit 1
fi
pass=$((pass+1))
# The agent publishes GPU metrics with PutMetricData (fake NVML, 1 s publish period); moto's
# ListMetrics then shows them with the dimensions asked for.
if [[ -n "$fakelib" ]]; then
  LD_LIBRARY_PATH="$fakelib" FAKE_NVML_SCENARIO="$scenarios/two_a100.json" AWS_EC2_METADATA_DISABLED=true \
    "$frugal" agent --listen 127.0.0.1:0 --no-history --instance-type p4d.24xlarge --cloudwatch --endpoint-url "$url" \
    --publish-interval 1s --interval 0.25s --duration 3s --cloudwatch-dimension Cluster=train 2>/dev/null
  listed=$(curl -s "$url/" -d "Action=ListMetrics&Version=2010-08-01&Namespace=frugal/GPU" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=x")
  for m in GPUUtilization GPUMemoryUsed GPUCost GPUIdleCost; do
    grep -q "<MetricName>$m</MetricName>" <<<"$listed" || { echo "FAIL agent --cloudwatch: no $m in $listed"; exit 1; }
  done
  grep -q "<Name>Cluster</Name><Value>train</Value>" <<<"$listed" || { echo "FAIL agent --cloudwatch dimension"; exit 1; }
  grep -q "<Name>GPU</Name><Value>1</Value>" <<<"$listed" || { echo "FAIL agent --cloudwatch GPU 1"; exit 1; }
  pass=$((pass+1))
fi
# Cost Explorer as the source of `frugal alert run` and of `frugal serve`'s Bill view: four days,
# the last at $5,000 of p5.48xlarge.
ce_days='{"results":[{"ResultsByTime":['
for d in 01 02 03; do
  ce_days+="{\"TimePeriod\":{\"Start\":\"2026-11-$d\",\"End\":\"2026-11-$d\"},\"Estimated\":false,\"Groups\":[{\"Keys\":[\"p5.48xlarge\"],\"Metrics\":{\"UnblendedCost\":{\"Amount\":\"1320.96\",\"Unit\":\"USD\"}}},{\"Keys\":[\"NoInstanceType\"],\"Metrics\":{\"UnblendedCost\":{\"Amount\":\"99\",\"Unit\":\"USD\"}}}]},"
done
ce_days+='{"TimePeriod":{"Start":"2026-11-04","End":"2026-11-05"},"Estimated":false,"Groups":[{"Keys":["p5.48xlarge"],"Metrics":{"UnblendedCost":{"Amount":"5000","Unit":"USD"}}}]}]}]}'
set_ce() { curl -s -f -o /dev/null -X POST "$url/moto-api/static/ce/cost-and-usage-results" -H "Content-Type: application/json" -d "$ce_days"; }
set_ce
rules=$(mktemp --suffix .toml)
printf '[sources]\ncost_explorer = true\n\n[[rule]]\nname = "daily"\nkind = "daily_spend"\nthreshold_usd = 3000\n\n[[notify]]\nkind = "stdout"\n' > "$rules"
out=$("$frugal" alert run --rules "$rules" --state "$XDG_CACHE_HOME/alerts.db" --endpoint-url "$url" --dry-run)
rm -f "$rules"
grep -q 'GPU spend on 2026-11-04 was \$5,000.00, over the \$3,000.00 daily threshold' <<<"$out" || { echo "FAIL alert run from Cost Explorer: $out"; exit 1; }
pass=$((pass+1))
set_ce
"$frugal" serve --listen 127.0.0.1:0 --cost-explorer-start 2026-10-01 --endpoint-url "$url" 2>"$XDG_CACHE_HOME/serve.err" &
serve_pid=$!
sport=""
wait_for 120 serve_port "$XDG_CACHE_HOME/serve.err" || true  # the bill check below fails without it
bill=$(curl -sf "http://127.0.0.1:$sport/api/v1/bill" || true)
kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true
python3 -c 'import json,sys; b=json.loads(sys.argv[1]); assert b["available"] and b["source"].startswith("Cost Explorer") and abs(b["total"] - (3*1320.96 + 5000)) < 1e-6, b' "$bill" ||
  { echo "FAIL serve --cost-explorer-start: $bill $(cat "$XDG_CACHE_HOME/serve.err")"; exit 1; }
pass=$((pass+1))
# The Bill view from an S3 export, and `frugal bill` from S3 and a local file at once.
"$frugal" serve --listen 127.0.0.1:0 --bill s3://billing-exports/focus/ --endpoint-url "$url" 2>"$XDG_CACHE_HOME/serve-s3.err" &
serve_pid=$!
sport=""
wait_for 120 serve_port "$XDG_CACHE_HOME/serve-s3.err" || true  # the bill check below fails without it
bill=$(curl -sf "http://127.0.0.1:$sport/api/v1/bill" || true)
kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true
python3 -c 'import json,sys; b=json.loads(sys.argv[1]); assert b["available"] and b["source"].startswith("s3://billing-exports/focus/") and abs(b["total"] - 12.126) < 0.01, b' "$bill" ||
  { echo "FAIL serve --bill s3://: $bill $(cat "$XDG_CACHE_HOME/serve-s3.err")"; exit 1; }
out=$("$frugal" --format json bill s3://billing-exports/focus/ "$(dirname "$0")/../data/billing/focus1.0_official_sample_1000.csv" --endpoint-url "$url")
grep -q '"gpu_usd": 24.25' <<<"$out" || { echo "FAIL bill s3 + local: $(grep gpu_usd <<<"$out")"; exit 1; }
pass=$((pass+1))
echo "aws cli: $pass passed, 0 failed"
