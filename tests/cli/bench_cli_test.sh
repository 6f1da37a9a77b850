#!/usr/bin/env bash
# `frugal bench` end to end against the test's own scripted streaming server: a sweep of closed-
# and open-loop levels measures the scripted first-token and inter-token delays, prices the tokens
# from the catalog, writes measured-CSV rows, and counts scripted failures instead of hiding them.
set -euo pipefail
frugal="$1"; data="$2"; server="$3"; slack="${4:-1}"  # tolerance multiplier (4 under sanitizers)
export FRUGAL_DATA_DIR="$data" AWS_REGION=us-east-1
unset OPENAI_API_KEY
tmp=$(mktemp -d); trap 'kill $spid 2>/dev/null || true; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
source "$(dirname "$0")/../lib/servers.sh"
# Each server writes its own file: the background job's redirection truncates a shared one only
# when it gets to run, so the wait could read the previous server's port line.
servers=0
start_server() {
  servers=$((servers + 1))
  local out="$tmp/server-$servers.out"
  "$server" "$@" > "$out" &
  spid=$!
  wait_for 120 grep -q '^port ' "$out" || true  # the check below fails without it
  port=$(awk '/^port /{print $2}' "$out")
  [[ -n "$port" ]] || fail "the scripted server did not start"
}
# First token after 40 ms, then one every 5 ms.
start_server 0.040 0.005
"$frugal" --format json bench --url "http://127.0.0.1:$port/v1/completions" --model test-model --prompt-tokens 64 \
  --output-tokens 16 --concurrency 1,4 --rate 20/s --requests 20 --instance-type p5.48xlarge --precision fp8 \
  --out "$tmp/rows.csv" > "$tmp/bench.json"
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
levels=$(jq_py 'print(",".join(r["level"] for r in d["rows"]))' < "$tmp/bench.json")
[[ "$levels" == "concurrency 1,concurrency 4,rate 20/s" ]] || fail "levels: $levels"
SLACK=$slack jq_py '
import os
k = float(os.environ["SLACK"])
for r in d["rows"]:
    assert r["errors"] == 0 and r["requests"] == 20, r
    # The script: 40 ms, then 5 ms. Bounds allow for the client being descheduled under a
    # parallel test run (a late first read shortens the measured TPOT).
    assert 40 <= r["ttft_p50_ms"] <= 40 + 10 * k, r
    assert 5 - 1.0 * k <= r["tpot_p50_ms"] <= 5 + 1.5 * k, r
    assert r["usd_per_million_output_tokens"] > 0, r
print("ok")' < "$tmp/bench.json" > /dev/null || fail "measured figures off the script: $(cat "$tmp/bench.json")"
grep -q 'output tokens: the server' "$tmp/bench.json" || fail "how tokens were counted is not said"
head -1 "$tmp/rows.csv" | grep -qx 'model,hardware,instance,precision,tp,batch,input_len,output_len,metric,value,unit,source' || fail "rows header"
grep -q '^test-model,H100-80GB,p5.48xlarge,fp8,8,concurrency 4,64,16,TTFT_p50,' "$tmp/rows.csv" || fail "rows: $(head -3 "$tmp/rows.csv")"
grep -q ',rate 20/s for 20 requests,64,16,output_throughput,' "$tmp/rows.csv" || fail "rate rows"
# The table on a terminal-less run: no progress noise on stderr.
"$frugal" bench --url "http://127.0.0.1:$port/v1/completions" --model m --output-tokens 4 --requests 3 > "$tmp/table.txt" 2> "$tmp/err.txt"
[[ ! -s "$tmp/err.txt" ]] || fail "bench wrote to stderr without a terminal: $(cat "$tmp/err.txt")"
grep -q '^concurrency 1 ' "$tmp/table.txt" || fail "table: $(cat "$tmp/table.txt")"
grep -q 'no price: pass --instance-type' "$tmp/table.txt" || fail "no-price note"
kill $spid; wait $spid 2>/dev/null || true
# Every 3rd request fails with HTTP 500: counted and shown.
start_server 0.005 0.001 3
"$frugal" bench --url "http://127.0.0.1:$port/v1/completions" --model m --output-tokens 4 --requests 9 > "$tmp/errs.txt"
grep -Eq '^concurrency 1 +9 +3 ' "$tmp/errs.txt" || fail "errors not counted: $(cat "$tmp/errs.txt")"
grep -q 'HTTP 500: .*scripted failure' "$tmp/errs.txt" || fail "the error is not shown"
# Warm-up requests go first and are not counted. The server has answered 9 requests (a multiple of
# 3), so after 2 warm-ups the level's 4 are its next 3rd to 6th: two of them fail (the 3rd and the
# 6th), where four without a warm-up would have had one failure.
"$frugal" bench --url "http://127.0.0.1:$port/v1/completions" --model m --output-tokens 4 --requests 4 --warmup 2 > "$tmp/warm.txt"
grep -Eq '^concurrency 1 +4 +2 ' "$tmp/warm.txt" || fail "warm-up counted or not sent: $(cat "$tmp/warm.txt")"
grep -q 'warm-up: 2 requests at concurrency 1 before the first level, not measured (0 failed)' "$tmp/warm.txt" || fail "warm-up note: $(cat "$tmp/warm.txt")"
kill $spid; wait $spid 2>/dev/null || true
# The loop: measure -> calibrate -> advise. A "server" whose first token takes 300 ms and each next
# one 60 ms (about twice what the bundled factors predict here); the calibration fitted to its rows
# moves frugal's estimate towards what was measured.
export FRUGAL_HOME="$tmp/home"
start_server 0.300 0.060
"$frugal" bench --url "http://127.0.0.1:$port/v1/completions" --model llama-3.1-8b --prompt-tokens 512 --output-tokens 16 \
  --concurrency 1,8 --requests 8 --instance-type g6e.xlarge --precision bf16 --out "$tmp/mine.csv" > /dev/null
kill $spid; wait $spid 2>/dev/null || true
# A second run (another endpoint, another prompt length) of the same engine: a second source, so
# the calibration's accuracy can be scored out of sample (each run predicted from the other).
start_server 0.300 0.060
"$frugal" bench --url "http://127.0.0.1:$port/v1/completions" --model llama-3.1-8b --prompt-tokens 256 --output-tokens 16 \
  --concurrency 2,4 --requests 8 --instance-type g6e.xlarge --precision bf16 --out "$tmp/mine2.csv" > /dev/null
kill $spid; wait $spid 2>/dev/null || true
tail -n +2 "$tmp/mine2.csv" >> "$tmp/mine.csv"
[[ $(cut -d, -f12- "$tmp/mine.csv" | tail -n +2 | sort -u | wc -l) == 2 ]] || fail "the two runs are not two sources: $(cut -d, -f12- "$tmp/mine.csv" | sort -u)"
"$frugal" perf calibrate "$tmp/mine.csv" --calibration mine > "$tmp/cal.txt"
grep -q "written to $tmp/home/calibrations/mine.toml" "$tmp/cal.txt" || fail "calibration not written: $(cat "$tmp/cal.txt")"
# Bounds derived from published TensorRT-LLM measurements do not hold the user's own engine back.
grep -q "^step_overhead_max_ms" "$data/perf/efficiency.toml" || fail "the bundled factors lost their step bound (the next check would be vacuous)"
if grep -q "step_overhead_max" "$tmp/home/calibrations/mine.toml"; then fail "a calibration to the user's rows kept the published step bound"; fi
git_data_changed=$(cd "$data" && git status --porcelain . 2>/dev/null || true)
[[ -z "$git_data_changed" ]] || fail "calibrate --calibration changed the bundled data: $git_data_changed"
est() { "$frugal" --format json perf estimate --model llama-3.1-8b --instance g6e.xlarge --batch 8 --prompt-tokens 512 --output-tokens 32 "$@" |
        jq_py 'print(next(r["value"] for r in d["rows"] if r["quantity"] == "tpot"))'; }
before=$(est); after=$(est --calibration mine)
python3 -c "import sys; b, a = float('$before'), float('$after'); sys.exit(0 if abs(a - 0.060) < abs(b - 0.060) and abs(a - 0.060) < 0.012 else 1)" ||
  fail "the calibration did not move TPOT towards the measured 60 ms: $before s -> $after s"
"$frugal" advise --model llama-3.1-8b --rate 2/s --tpot-slo 50ms --instances g6e --calibration mine --top 2 > "$tmp/advice.txt"
grep -q "performance factors from calibration 'mine'" "$tmp/advice.txt" ||
  fail "advise does not say it used the calibration"
# The bundled rows' score names the independent check with the same figures as scoring it alone;
# a user's own file is scored alone.
"$frugal" --format json perf validate > "$tmp/bundled.json"
"$frugal" --format json perf validate "$data/perf/independent_check.csv" > "$tmp/check.json"
python3 - "$tmp/bundled.json" "$tmp/check.json" "$data/perf/independent_check.csv" <<'PY' || fail "perf validate does not report the independent check as scoring it does"
import json, sys
b, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ic = b["independent_check"]
rows = sum(1 for _ in open(sys.argv[3])) - 1  # every row of the file, header excluded
assert ic["rows"] == c["predicted_rows"] == rows, (ic, c["predicted_rows"], rows)
assert ic["median_abs_error"] == c["median_abs_error"] and ic["p90_abs_error"] == c["p90_abs_error"], (ic, c)
PY
"$frugal" --format json perf validate "$tmp/mine.csv" | python3 -c 'import json,sys; sys.exit("independent_check" in json.load(sys.stdin))' ||
  fail "a user's file is scored with the independent check attached"
# Scored out of sample and written beside the calibration, then quoted by estimates and advice.
"$frugal" perf validate --cross-validate "$tmp/mine.csv" --calibration mine --write > "$tmp/cv.txt"
grep -q "wrote $tmp/home/calibrations/mine.accuracy.toml" "$tmp/cv.txt" || fail "accuracy not written: $(cat "$tmp/cv.txt")"
grep -q "each fold fits from the bundled factors" "$tmp/cv.txt" || fail "a calibration's folds do not start where it did: $(cat "$tmp/cv.txt")"
"$frugal" --format json perf estimate --model llama-3.1-8b --instance g6e.xlarge --batch 8 --prompt-tokens 512 --output-tokens 32 \
  --calibration mine > "$tmp/est.json"
jq_py 'a = d["accuracy"]; assert a["measured"] and not a["stale"] and a["rows"] > 0 and a["p90_abs_error"] >= 0, a
assert "out of sample for L40S / trt-llm" in a["text"], a; print("ok")' < "$tmp/est.json" > /dev/null ||
  fail "estimate does not quote the calibration's accuracy: $(cat "$tmp/est.json")"
grep -q "Top choice's accuracy: not measured for these factors" "$tmp/advice.txt" || fail "advice before any accuracy was written: $(cat "$tmp/advice.txt")"
"$frugal" advise --model llama-3.1-8b --rate 2/s --tpot-slo 50ms --instances g6e --calibration mine --top 2 > "$tmp/advice2.txt"
grep -q "Top choice's accuracy, out of sample for L40S / trt-llm" "$tmp/advice2.txt" || fail "advice: $(cat "$tmp/advice2.txt")"
# Refitting changes the factors: the old figures no longer describe them and are not shown.
"$frugal" perf calibrate "$tmp/mine2.csv" --calibration mine > /dev/null
"$frugal" perf estimate --model llama-3.1-8b --instance g6e.xlarge --batch 8 --calibration mine > "$tmp/est-stale.txt"
grep -q "describes other factors" "$tmp/est-stale.txt" || fail "a stale accuracy was not flagged: $(cat "$tmp/est-stale.txt")"
# One source cannot be left out: refused, with the reason.
if "$frugal" perf validate --cross-validate "$tmp/mine2.csv" --calibration mine --write > /dev/null 2> "$tmp/err.txt"; then
  fail "cross-validation of one source was written"; fi
grep -q "needs at least two" "$tmp/err.txt" || fail "one source: $(cat "$tmp/err.txt")"
if "$frugal" advise --model llama-3.1-8b --calibration nope 2> "$tmp/err.txt"; then fail "an unknown calibration was accepted"; fi
grep -q 'no such calibration' "$tmp/err.txt" || fail "unknown calibration: $(cat "$tmp/err.txt")"
# A SageMaker endpoint (InvokeEndpointWithResponseStream) through --endpoint-url: the server checks
# each request's SigV4 signature (credentials from the environment, as the AWS CLI reads them).
start_server --sagemaker 0.020 0.004
AWS_ACCESS_KEY_ID=AKIDFRUGALTEST AWS_SECRET_ACCESS_KEY=frugal-test-secret \
  "$frugal" --format json bench --sagemaker-endpoint my-endpoint --endpoint-url "http://127.0.0.1:$port" --model llama-3.1-8b \
  --output-tokens 8 --concurrency 2 --requests 6 --instance-type g5.2xlarge > "$tmp/sm.json"
SLACK=$slack jq_py '
import os
k = float(os.environ["SLACK"])
r = d["rows"][0]
assert r["errors"] == 0 and r["requests"] == 6, r
assert 20 <= r["ttft_p50_ms"] <= 20 + 6 * k, r
assert r["usd_per_million_output_tokens"] > 0, r
assert "SageMaker endpoint my-endpoint" in d["title"], d["title"]
print("ok")' < "$tmp/sm.json" > /dev/null || fail "sagemaker bench: $(cat "$tmp/sm.json")"
set +e; AWS_ACCESS_KEY_ID=AKIDFRUGALTEST AWS_SECRET_ACCESS_KEY=wrong "$frugal" bench --sagemaker-endpoint my-endpoint \
  --endpoint-url "http://127.0.0.1:$port" --model m --output-tokens 4 --requests 2 > "$tmp/sm403.txt" 2>&1; rc=$?; set -e
[[ $rc == 1 ]] && grep -q 'HTTP 403' "$tmp/sm403.txt" || fail "a bad signature was not reported: rc $rc $(cat "$tmp/sm403.txt")"
kill $spid; wait $spid 2>/dev/null || true
# Nothing listening: every request fails, exit 1 with the reason.
set +e; "$frugal" bench --url "http://127.0.0.1:1/v1/completions" --model m --requests 2 > "$tmp/down-table.txt" 2> "$tmp/down.txt"; rc=$?; set -e
[[ $rc == 1 ]] && grep -q 'every request failed' "$tmp/down.txt" || fail "unreachable endpoint: rc $rc $(cat "$tmp/down.txt")"
# With no request measured the table has no figures to show: dashes, not a 0.00 s latency, and no
# claim about how output tokens were counted.
grep -Eq '^concurrency 1 +2 +2 +- +- +- +- +- +- +0\.0 +0\.00 +-$' "$tmp/down-table.txt" || fail "all-failed row: $(cat "$tmp/down-table.txt")"
! grep -q 'output tokens:' "$tmp/down-table.txt" || fail "token counting claimed with nothing measured: $(cat "$tmp/down-table.txt")"
echo "bench cli: 1 passed, 0 failed"
