#!/usr/bin/env bash
# `frugal alert run` end to end with real parts: a synthetic bill, an agent history written by a
# real agent on the fake NVML, and all four notifiers: SNS on a real moto_server (delivered to an SQS
# queue the test reads), a real Alertmanager (its /api/v2/alerts read back), the test's webhook
# receiver (made to fail, then to recover), and stdout.
# Checks: dry run records and sends nothing; firing alerts reach every notifier once; a failed
# webhook delivery is kept and delivered by the next run; a second run sends nothing new; a run
# with the lock held stops; a later bill resolves what no longer holds; bad rule files are refused
# with file:line:column.
set -euo pipefail
frugal=$(realpath "$1"); data="$2"; fakelib="$3"; src="$4"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$tmp"/*.log; do [[ -f "$f" ]] && { echo "--- $f"; tail -5 "$f"; }; done
  exit 1
}
source "$src/tests/lib/servers.sh"
find_moto
[[ -n "$moto" ]] || { echo "moto_server not installed: skipped"; exit 77; }
command -v prometheus-alertmanager >/dev/null || fail "prometheus-alertmanager is not installed (scripts/install-deps.sh installs it)"

# The bundled data, with retries a test can wait for (data/alerts/defaults.toml: 1 s, doubled).
cp -r "$data" "$tmp/data"
sed -i 's/^retry_backoff_seconds = .*/retry_backoff_seconds = 0.05/' "$tmp/data/alerts/defaults.toml"
unset AWS_PROFILE AWS_DEFAULT_REGION
export FRUGAL_DATA_DIR="$tmp/data" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true XDG_STATE_HOME="$tmp/state"

# --- moto: an SNS topic delivering to an SQS queue ---
start_on_free_port moto /moto-api/ "$moto" -H 127.0.0.1 -p PORT || fail "moto_server did not start"
moto_url="http://127.0.0.1:$port"
auth() { echo "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/$1/aws4_request, SignedHeaders=host, Signature=x"; }
topic=$(curl -sf -X POST "$moto_url/" -H "$(auth sns)" -d "Action=CreateTopic&Name=frugal-alerts&Version=2010-03-31" |
  sed -n 's|.*<TopicArn>\([^<]*\)</TopicArn>.*|\1|p')
[[ -n "$topic" ]] || fail "CreateTopic"
queue=$(curl -sf -X POST "$moto_url/" -H "$(auth sqs)" -d "Action=CreateQueue&QueueName=alerts&Version=2012-11-05" |
  sed -n 's|.*<QueueUrl>\([^<]*\)</QueueUrl>.*|\1|p')
[[ -n "$queue" ]] || fail "CreateQueue"
curl -sf -o /dev/null -X POST "$moto_url/" -H "$(auth sns)" -d "Action=Subscribe&Protocol=sqs&Version=2010-03-31" \
  --data-urlencode "TopicArn=$topic" --data-urlencode "Endpoint=arn:aws:sqs:us-east-1:123456789012:alerts" || fail "Subscribe"
# The SNS subjects delivered since the last call, one per line (messages are deleted once read).
sns_subjects() {
  local out
  out=$(curl -sf -X POST "$queue" -H "$(auth sqs)" -d "Action=ReceiveMessage&MaxNumberOfMessages=10&Version=2012-11-05")
  python3 - "$out" "$queue" <<'PY'
import html, json, re, subprocess, sys
xml, queue = sys.argv[1], sys.argv[2]
for body, handle in re.findall(r"<Body>(.*?)</Body>.*?", xml, re.S) and zip(re.findall(r"<Body>(.*?)</Body>", xml, re.S), re.findall(r"<ReceiptHandle>(.*?)</ReceiptHandle>", xml, re.S)) or []:
    print(json.loads(html.unescape(body))["Subject"])
    subprocess.run(["curl", "-sf", "-o", "/dev/null", "-X", "POST", queue, "-H",
                    "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x",
                    "-d", "Action=DeleteMessage&Version=2012-11-05", "--data-urlencode", "ReceiptHandle=" + html.unescape(handle)], check=True)
PY
}
drain_sns() {  # every subject delivered so far, sorted
  local all="" got
  for _ in 1 2 3 4 5; do got=$(sns_subjects); [[ -z "$got" ]] && break; all+="$got"$'\n'; done
  sort <<<"$all" | sed '/^$/d'
}

# --- Alertmanager and the webhook receiver ---
cat > "$tmp/alertmanager.yml" <<'YML'
route:
  receiver: nobody
receivers:
  - name: nobody
YML
start_on_free_port alertmanager /-/ready prometheus-alertmanager --config.file="$tmp/alertmanager.yml" \
  --storage.path="$tmp/am-data" --web.listen-address=127.0.0.1:PORT --cluster.listen-address= || fail "alertmanager did not start"
am="http://127.0.0.1:$port"
am_alerts() { curl -sf "$am/api/v2/alerts" | python3 -c 'import json,sys; print(" ".join(sorted(a["labels"]["alertname"] + "/" + a["labels"]["key"] for a in json.load(sys.stdin))))'; }
touch "$tmp/webhook-down"
python3 "$src/tests/alert/webhook_receiver.py" "$tmp/webhook.jsonl" "$tmp/webhook.port" "$tmp/webhook-down" 2>"$tmp/webhook.log" &
pids+=($!)
wait_for 120 test -s "$tmp/webhook.port" || true  # reading it below says it is missing
hook="http://127.0.0.1:$(cat "$tmp/webhook.port")/hooks/frugal?channel=gpu-cost"
# Events the webhook accepted (status 200), as "event rule/key", sorted.
hook_ok() { [[ -f "$tmp/webhook.jsonl" ]] || return 0; python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["status"] == 200: print(r["body"]["alert"]["status"], r["body"]["alert"]["rule"] + "/" + r["body"]["alert"]["key"])' "$tmp/webhook.jsonl" | sort; }

# --- an agent history with an idle GPU ---
cat > "$tmp/idle.json" <<'JSON'
{"devices": [{"name": "NVIDIA A100-SXM4-40GB", "uuid": "GPU-cccccccc-0000-0000-0000-000000000000", "utilization": 0}]}
JSON
LD_LIBRARY_PATH="$fakelib" FAKE_NVML_SCENARIO="$tmp/idle.json" "$frugal" agent --listen 127.0.0.1:0 --instance-type p4d.24xlarge \
  --interval 0.2s --idle-grace 0.5s --duration 2s 2>"$tmp/agent.log" || fail "agent"
[[ -f "$tmp/state/frugal/telemetry.db" ]] || fail "no agent history"

# --- the bill: `frugal bill synth`'s 60 days, cut after 2025-10-08 (the incident of 7-8 October is
# then the news); later the whole bill, to 2025-10-30 ---
mkdir -p "$tmp/bills" "$tmp/full"
(cd "$tmp/full" && "$frugal" bill synth --days 60 --no-gzip >/dev/null)
python3 - "$tmp"/full/synthetic-cur-*.csv "$tmp/bills/cur-to-2025-10-08.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="") as f, open(sys.argv[2], "w", newline="") as out:
    r = csv.reader(f)
    w = csv.writer(out)
    header = next(r)
    w.writerow(header)
    start = header.index("lineItem/UsageStartDate")
    for row in r:
        if row[start][:10] <= "2025-10-08":
            w.writerow(row)
PY
cat > "$tmp/rules.toml" <<TOML
[sources]
bills = ["$tmp/bills"]
agent_histories = ["$tmp/state/frugal/telemetry.db"]

[[rule]]
name = "daily-gpu-spend"
kind = "daily_spend"
threshold_usd = 3000

[[rule]]
name = "gpu-anomaly"
kind = "anomaly"
min_impact_usd = 1000
severity = "critical"

[[rule]]
name = "idle-gpus"
kind = "idle_dollars"
threshold_usd = 0.0001
period = "24h"

[[notify]]
kind = "stdout"

[[notify]]
kind = "webhook"
url = "$hook"

[[notify]]
kind = "alertmanager"
url = "$am"

[[notify]]
kind = "sns"
topic_arn = "$topic"
TOML
run() { "$frugal" alert run --rules "$tmp/rules.toml" --state "$tmp/alerts.db" --endpoint-url "$moto_url" "$@"; }

# Dry run: shows what would fire, records and sends nothing.
dry=$(run --dry-run) || fail "dry run: $dry"
grep -Eq '^NEW +daily-gpu-spend ' <<<"$dry" || fail "dry run does not show the daily alert: $dry"
grep -q "dry run: nothing recorded, nothing sent" <<<"$dry" || fail "dry run note: $dry"
[[ -z "$(drain_sns)" && -z "$(am_alerts)" ]] || fail "the dry run sent something"
echo "ok - dry run"

# Run 1, webhook down: SNS, Alertmanager and stdout get the four alerts (daily spend, two anomalous
# days, idle GPUs); the webhook's are queued and the run fails (exit 1) so a timer shows it.
rc=0; out=$(run 2>"$tmp/run1.err") || rc=$?
[[ $rc -eq 1 ]] || fail "run 1 with the webhook down: exit $rc: $out $(cat "$tmp/run1.err")"
grep -q "4 notifications could not be delivered; they are queued" "$tmp/run1.err" || fail "run 1 error: $(cat "$tmp/run1.err")"
grep -q '^\[FIRING\] daily-gpu-spend (warning): GPU spend on 2025-10-08 was \$4,197.63, over the \$3,000.00 daily threshold$' <<<"$out" ||
  fail "stdout notification: $out"
grep -q '^\[FIRING\] gpu-anomaly (critical): GPU spend anomaly on 2025-10-07 (all GPU spend): \$4,216.05 against \$1,647.82 expected' <<<"$out" ||
  fail "anomaly (the same figures as frugal bill): $out"
grep -q '^\[FIRING\] gpu-anomaly (critical): GPU spend anomaly on 2025-10-08 (all GPU spend): \$4,197.63 against \$1,610.98 expected' <<<"$out" ||
  fail "second anomalous day: $out"
grep -q '^\[FIRING\] idle-gpus (warning): Idle GPUs cost \$' <<<"$out" || fail "idle notification: $out"
subjects=$(drain_sns)
want=$'[FIRING] frugal: daily-gpu-spend\n[FIRING] frugal: gpu-anomaly\n[FIRING] frugal: gpu-anomaly\n[FIRING] frugal: idle-gpus'
[[ "$subjects" == "$want" ]] || fail "SNS subjects: '$subjects'"
[[ "$(am_alerts)" == "daily-gpu-spend/daily-gpu-spend gpu-anomaly/2025-10-07/all gpu-anomaly/2025-10-08/all idle-gpus/idle-gpus" ]] || fail "Alertmanager: $(am_alerts)"
[[ -z "$(hook_ok)" ]] || fail "the webhook accepted something while down"
attempts=$(grep -c '"status": 500' "$tmp/webhook.jsonl")
[[ $attempts -eq 12 ]] || fail "webhook attempts while down: $attempts (expected 4 notifications x 3 tries)"
echo "ok - run 1: SNS, Alertmanager, stdout notified; webhook failures queued"

# Run 2, webhook back: the queued notifications go out; nothing new anywhere else.
rm "$tmp/webhook-down"
out=$(run) || fail "run 2: $out"
want=$'firing daily-gpu-spend/daily-gpu-spend\nfiring gpu-anomaly/2025-10-07/all\nfiring gpu-anomaly/2025-10-08/all\nfiring idle-gpus/idle-gpus'
[[ "$(hook_ok)" == "$want" ]] || fail "webhook after recovery: $(hook_ok)"
grep -q '"text": "\[FIRING\] daily-gpu-spend' "$tmp/webhook.jsonl" || fail "webhook body has no Slack text"
grep -q '/hooks/frugal?channel=gpu-cost' "$tmp/webhook.jsonl" || fail "webhook path and query"
[[ -z "$(drain_sns)" ]] || fail "run 2 sent to SNS again"
if grep -q '^\[FIRING\]' <<<"$out"; then fail "run 2 notified stdout again: $out"; fi
grep -Eq '^firing +daily-gpu-spend ' <<<"$out" || fail "run 2 does not list the firing alert: $out"
echo "ok - run 2: the queued webhook notifications delivered, nothing sent twice"

# Overlapping runs: while another holds the lock, a run stops without touching state.
flock "$tmp/alerts.db.lock" sleep 3 &
locker=$!
sleep 0.3
rc=0; err=$(run 2>&1 >/dev/null) || rc=$?
wait "$locker"
[[ $rc -eq 1 ]] && grep -q "another \`frugal alert run\` is running" <<<"$err" || fail "locked run: exit $rc: $err"
echo "ok - a second run at the same time stops"

# A later bill (to 2025-10-30): the daily spend is back under $3,000 and the anomaly has aged out.
rm "$tmp"/bills/*
cp "$tmp"/full/synthetic-cur-*.csv "$tmp/bills/"
out=$(run) || fail "run 4: $out"
grep -q '^\[RESOLVED\] daily-gpu-spend' <<<"$out" || fail "daily spend not resolved: $out"
grep -q '^\[RESOLVED\] gpu-anomaly' <<<"$out" || fail "anomaly not resolved: $out"
if grep -q 'RESOLVED\] idle-gpus' <<<"$out"; then fail "idle-gpus resolved though the history still holds it"; fi
[[ "$(drain_sns)" == $'[RESOLVED] frugal: daily-gpu-spend\n[RESOLVED] frugal: gpu-anomaly\n[RESOLVED] frugal: gpu-anomaly' ]] || fail "SNS resolutions"
[[ "$(am_alerts)" == "idle-gpus/idle-gpus" ]] || fail "Alertmanager after resolution: $(am_alerts)"
grep -q 'resolved daily-gpu-spend/daily-gpu-spend' <<<"$(hook_ok)" || fail "webhook resolution: $(hook_ok)"
echo "ok - a later bill resolves the alerts everywhere"

# An S3 export as the source: fetched like `frugal bill s3://...` and evaluated the same.
curl -sf -o /dev/null -X PUT "$moto_url/cur-exports"
curl -sf -o /dev/null -X PUT -H "Content-Type: application/octet-stream" --data-binary @"$(ls "$tmp"/full/synthetic-cur-*.csv)" \
  "$moto_url/cur-exports/gpu/2025-10/part-0.csv"
printf '[sources]\nbills = ["s3://cur-exports/gpu/"]\n\n[[rule]]\nname = "daily"\nkind = "daily_spend"\nthreshold_usd = 1000\n\n[[notify]]\nkind = "stdout"\n' > "$tmp/s3.toml"
out=$("$frugal" alert run --rules "$tmp/s3.toml" --state "$tmp/s3.db" --endpoint-url "$moto_url" --dry-run) || fail "S3 source: $out"
grep -q 'GPU spend on 2025-10-30 was \$1,629.40, over the \$1,000.00 daily threshold' <<<"$out" || fail "S3 source: $out"
echo "ok - an S3 export as the bill source"

# Bad rule files: file:line:column, exit 2, no state written.
printf '[sources]\nbills = ["x"]\n\n[[rule]]\nname = "a"\nkind = "daily_spnd"\nthreshold_usd = 1\n\n[[notify]]\nkind = "stdout"\n' > "$tmp/bad.toml"
rc=0; err=$("$frugal" alert run --rules "$tmp/bad.toml" --state "$tmp/never.db" 2>&1) || rc=$?
[[ $rc -eq 2 ]] && grep -q "bad.toml:6:8: expected a rule kind (daily_spend, anomaly, forecast, idle_dollars), got 'daily_spnd'; did you mean 'daily_spend'" <<<"$err" ||
  fail "bad kind: exit $rc: $err"
printf '[[rule]]\nname = "i"\nkind = "idle_dollars"\nthreshold_usd = 5\n\n[[notify]]\nkind = "stdout"\n' > "$tmp/nosource.toml"
rc=0; err=$("$frugal" alert run --rules "$tmp/nosource.toml" --state "$tmp/never.db" 2>&1) || rc=$?
[[ $rc -eq 2 ]] && grep -q "nosource.toml:1:1: rule 'i' (idle_dollars) needs \[sources\] agent_histories" <<<"$err" || fail "no source: exit $rc: $err"
[[ ! -e "$tmp/never.db" ]] || fail "a refused rules file wrote state"
echo "ok - bad rule files refused with file:line:column"
