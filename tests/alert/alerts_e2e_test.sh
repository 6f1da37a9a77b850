#!/usr/bin/env bash
# The alert path end to end with real parts, as a fleet runs it:
#   two `frugal agent`s on the fake libnvidia-ml.so.1 (agent A's GPU busy, agent B's GPU driven by
#   a file the test writes) -> a real `prometheus` scraping both every second and evaluating
#   frugal's generated rules -> a real Alertmanager (Debian prometheus-alertmanager) -> this test's
#   webhook receiver.
# Asserts that FrugalGPUIdle arrives for agent B's GPU only, with the instance, the GPU and its
# dollars per hour (the agent's own price), and that its resolution arrives once the GPU is busy
# again. Prints the latency of both (GPU idle -> webhook, GPU busy -> resolved webhook).
# The rules are generated with gpu_idle.for = 2s (the promtool unit tests check the default 30m);
# everything else is the shipped rule file.
set -euo pipefail
frugal="$1"; data="$2"; fakelib="$3"; src="$4"
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
  for f in "$tmp"/*.log "$tmp"/*.err; do [[ -f "$f" ]] && { echo "--- $f"; tail -15 "$f"; }; done
  exit 1
}
command -v prometheus-alertmanager >/dev/null || fail "prometheus-alertmanager is not installed (scripts/install-deps.sh installs it)"
unset AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE
export AWS_CONFIG_FILE=/nonexistent FRUGAL_DATA_DIR="$data" AWS_EC2_METADATA_DISABLED=true
export LD_LIBRARY_PATH="$fakelib"

source "$src/tests/lib/servers.sh"

# --- the webhook receiver ---
python3 "$src/tests/alert/webhook_receiver.py" "$tmp/webhook.jsonl" "$tmp/webhook.port" 2>"$tmp/webhook.err" &
pids+=($!)
wait_for 120 test -s "$tmp/webhook.port" || true  # reading it below says it is missing
wport=$(cat "$tmp/webhook.port") || fail "webhook receiver did not start"

# --- Alertmanager: one route to the webhook, no waiting beyond a second, resolutions sent ---
cat > "$tmp/alertmanager.yml" <<YML
route:
  receiver: test-webhook
  group_by: [alertname, instance, gpu]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: test-webhook
    webhook_configs:
      - url: http://127.0.0.1:$wport/alerts
        send_resolved: true
YML
amtool check-config "$tmp/alertmanager.yml" >/dev/null || fail "amtool rejected the Alertmanager config"
start_on_free_port alertmanager /-/ready prometheus-alertmanager --config.file="$tmp/alertmanager.yml" \
  --storage.path="$tmp/am-data" --web.listen-address=127.0.0.1:PORT --cluster.listen-address= ||
  fail "alertmanager did not start"
aport=$port

# --- two agents ---
cat > "$tmp/busy.json" <<JSON
{"devices": [{"name": "NVIDIA A100-SXM4-40GB", "uuid": "GPU-aaaaaaaa-0000-0000-0000-000000000000",
              "memory_total": 42949672960, "utilization": [{"cycles": 1, "gpu": 85}]}]}
JSON
cat > "$tmp/switch.json" <<JSON
{"devices": [{"name": "NVIDIA A100-SXM4-40GB", "uuid": "GPU-bbbbbbbb-0000-0000-0000-000000000000",
              "memory_total": 42949672960, "utilization_file": "$tmp/util"}]}
JSON
echo 90 > "$tmp/util"
start_agent() {  # name, scenario; sets `port`
  FAKE_NVML_SCENARIO="$2" XDG_STATE_HOME="$tmp/state-$1" "$frugal" agent --listen 127.0.0.1:0 \
    --instance-type p4d.24xlarge --interval 0.2s --idle-grace 1s --no-history 2>"$tmp/agent-$1.err" &
  pids+=($!)
  wait_for_agent "$tmp/agent-$1.err" "agent $1"
}
start_agent a "$tmp/busy.json"
porta=$port
start_agent b "$tmp/switch.json"
portb=$port

# --- Prometheus with frugal's rules ---
cat > "$tmp/fast.toml" <<'TOML'
[gpu_idle]
for = "2s"
TOML
"$frugal" -o "$tmp/frugal-rules.yml" alert rules --thresholds "$tmp/fast.toml"
cat > "$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $tmp/frugal-rules.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$aport']
scrape_configs:
  - job_name: frugal-agent
    static_configs:
      - targets: ['127.0.0.1:$porta', '127.0.0.1:$portb']
YML
promtool check config "$tmp/prometheus.yml" >/dev/null || fail "promtool rejected the Prometheus config"
start_on_free_port prometheus /-/ready prometheus --config.file="$tmp/prometheus.yml" \
  --storage.tsdb.path="$tmp/tsdb" --web.listen-address=127.0.0.1:PORT || fail "prometheus did not start"
pport=$port
query() { curl -sf "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1"; }
# Both targets up and both GPUs busy before the scenario starts.
two_busy() { [[ $(query 'count(frugal_gpu_idle == 0)') == *'"value":['*',"2"]'* ]]; }
wait_for 120 two_busy || fail "Prometheus does not see two busy GPUs: $(query 'frugal_gpu_idle')"
price=$(curl -sf "http://127.0.0.1:$portb/metrics" | sed -n 's/^frugal_gpu_price_dollars_per_hour{.*} //p')
[[ -n "$price" ]] || fail "agent B exports no price"
want_dollars=$(printf '%.2f' "$price")
echo "ok - 2 agents, prometheus :$pport, alertmanager :$aport, webhook :$wport; GPU price \$$price/h"

# Waits until the webhook has a body matching the Python predicate (over `b`, the body); prints the
# matching line.
wait_webhook() {  # predicate, seconds
  local deadline=$(( $(date +%s) + $2 ))
  while (( $(date +%s) < deadline )); do
    if [[ -f "$tmp/webhook.jsonl" ]]; then
      local hit
      hit=$(python3 - "$tmp/webhook.jsonl" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    rec = json.loads(line)
    b = rec["body"]
    if eval(sys.argv[2]):
        print(line.strip()); break
PY
)
      [[ -n "$hit" ]] && { echo "$hit"; return 0; }
    fi
    sleep 0.1
  done
  return 1
}

# --- the GPU on agent B goes idle ---
t_idle=$(date +%s.%N)
echo 0 > "$tmp/util"
is_idle_alert="b['status'] == 'firing' and any(a['labels'].get('alertname') == 'FrugalGPUIdle' and a['status'] == 'firing' for a in b['alerts'])"
fired=$(wait_webhook "$is_idle_alert" 60) || fail "no FrugalGPUIdle at the webhook within 60 s: $(query 'ALERTS')"
python3 - "$fired" "127.0.0.1:$portb" "$want_dollars" <<'PY' || fail "firing payload: $fired"
import json, re, sys
rec, inst, dollars = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
alerts = [a for a in rec["body"]["alerts"] if a["labels"]["alertname"] == "FrugalGPUIdle"]
assert len(alerts) == 1, alerts
a = alerts[0]
assert a["labels"]["instance"] == inst, a["labels"]
assert a["labels"]["gpu"] == "0" and a["labels"]["uuid"] == "GPU-bbbbbbbb-0000-0000-0000-000000000000", a["labels"]
assert a["labels"]["job"] == "frugal-agent" and a["labels"]["severity"] == "warning", a["labels"]
assert a["annotations"]["dollars_per_hour"] == dollars, (a["annotations"], dollars)
assert f"burning ${dollars}/h" in a["annotations"]["summary"], a["annotations"]["summary"]
# Seconds of idle at $2.74/h round to $0.00; the promtool unit test checks this figure exactly.
assert re.fullmatch(r"[0-9]+\.[0-9]{2}", a["annotations"]["idle_dollars_total"]), a["annotations"]
PY
t_fired=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["received"])' "$fired")
# Agent A's GPU stayed busy: no idle alert ever names it.
if grep -q "127.0.0.1:$porta" "$tmp/webhook.jsonl"; then fail "an alert named the busy agent A: $(cat "$tmp/webhook.jsonl")"; fi
echo "ok - FrugalGPUIdle for 127.0.0.1:$portb GPU 0 at \$$want_dollars/h reached the webhook"

# --- the GPU is busy again: the resolution arrives ---
t_busy=$(date +%s.%N)
echo 90 > "$tmp/util"
is_resolved="b['status'] == 'resolved' and any(a['labels'].get('alertname') == 'FrugalGPUIdle' and a['status'] == 'resolved' and a['labels'].get('instance') == '127.0.0.1:$portb' for a in b['alerts'])"
resolved=$(wait_webhook "$is_resolved" 60) || fail "no resolution at the webhook within 60 s: $(query 'ALERTS')"
t_resolved=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["received"])' "$resolved")
python3 - "$t_idle" "$t_fired" "$t_busy" "$t_resolved" <<'PY'
import sys
t_idle, t_fired, t_busy, t_resolved = map(float, sys.argv[1:])
print(f"alert latency: GPU idle -> webhook {t_fired - t_idle:.1f} s "
      f"(agent idle grace 1 s + rule for 2 s + scrape/evaluation 1 s each + group_wait 1 s); "
      f"GPU busy -> resolved webhook {t_resolved - t_busy:.1f} s")
PY
echo "ok - the resolution reached the webhook"
