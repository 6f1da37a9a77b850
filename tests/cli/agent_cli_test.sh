#!/usr/bin/env bash
# `frugal agent` and `frugal top` as a user runs them, on the fake libnvidia-ml.so.1 (selected
# with LD_LIBRARY_PATH, so the real dlopen path runs):
#   - /metrics passes `promtool check metrics`, and so does the node_exporter textfile;
#   - a real Prometheus scrapes the agent on loopback and its HTTP API returns the values;
#   - `frugal agent report` reads the history the agent wrote; the EMF file holds CloudWatch lines;
#   - `frugal top` renders under tmux and marks the idle GPU;
#   - no driver: one clear message and exit 1.
set -euo pipefail
frugal="$1"; data="$2"; fakelib="$3"; scenarios="$4"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  tmux kill-session -t "frugal-top-$$" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
source "$(dirname "$0")/../lib/servers.sh"
unset AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE  # prices of the default region, whatever the machine says
export AWS_CONFIG_FILE=/nonexistent FRUGAL_DATA_DIR="$data" AWS_EC2_METADATA_DISABLED=true XDG_CACHE_HOME="$tmp/cache" XDG_STATE_HOME="$tmp/state"
export LD_LIBRARY_PATH="$fakelib" FAKE_NVML_SCENARIO="$scenarios/two_a100.json"

# --- the agent ---
"$frugal" agent --listen 127.0.0.1:0 --instance-type p4d.24xlarge --instance-id i-train-od-1 --interval 0.2s --idle-grace 1s \
  --textfile "$tmp/frugal.prom" --emf "$tmp/emf.log" --publish-interval 1s 2>"$tmp/agent.err" &
agent=$!
pids+=("$agent")
wait_for_agent "$tmp/agent.err" agent
grep -q "NVML driver 550.54.15 (libnvidia-ml.so.1), 2 GPUs" "$tmp/agent.err" || fail "startup line: $(cat "$tmp/agent.err")"
sleep 1.5  # past the 1 s grace period, so GPU 1 (0% busy) is idle
curl -sf "http://127.0.0.1:$port/metrics" > "$tmp/metrics.txt"
promtool check metrics < "$tmp/metrics.txt" || fail "promtool rejected /metrics"
promtool check metrics < "$tmp/frugal.prom" || fail "promtool rejected the textfile"
grep -q '^frugal_gpu_utilization_ratio{gpu="0",uuid="GPU-aaaaaaaa-0000-0000-0000-000000000000"} 0.85$' "$tmp/metrics.txt" || fail "utilization line"
grep -q '^frugal_gpu_idle{gpu="1",uuid="GPU-bbbbbbbb-0000-0000-0000-000000000000"} 1$' "$tmp/metrics.txt" || fail "GPU 1 not idle: $(grep frugal_gpu_idle "$tmp/metrics.txt")"
curl -sf -H 'Accept: application/openmetrics-text;version=1.0.0' "http://127.0.0.1:$port/metrics" | tail -1 | grep -qx '# EOF' || fail "OpenMetrics"
# Series are per workload by default (bounded labels), never per pid or command line.
me=$(id -un)
grep -Eq "^frugal_workload_cost_dollars_total\{workload=\"[a-z]+/[^\"]+\",kind=\"[a-z]+\",user=\"$me\".*\} [0-9.e+-]+$" "$tmp/metrics.txt" ||
  fail "workload cost series: $(grep frugal_workload_cost "$tmp/metrics.txt")"
if grep -q 'pid="' "$tmp/metrics.txt" "$tmp/frugal.prom"; then fail "a pid label was served without --process-metrics"; fi
if grep -q 'command="' "$tmp/metrics.txt" "$tmp/frugal.prom"; then fail "a command line was served without --expose-cmdline"; fi
if curl -sf "http://127.0.0.1:$port/api/v1/gpus" | grep -q '"command"'; then fail "/api/v1/gpus served a command line"; fi
echo "ok - /metrics and textfile pass promtool"

# --- a real Prometheus scrapes it ---
cat > "$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: frugal
    static_configs:
      - targets: ['127.0.0.1:$port']
YML
promtool check config "$tmp/prometheus.yml" >/dev/null
agent_port=$port
start_on_free_port prom /-/ready prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address=127.0.0.1:PORT || fail "prometheus did not start: $(tail -5 "$tmp/prom.log")"
pport=$port port=$agent_port
query() { curl -sf "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1"; }
got=""
utilization_scraped() { got=$(query 'frugal_gpu_utilization_ratio{gpu="0"}'); grep -q '"value":\[[0-9.]*,"0.85"\]' <<<"$got"; }
wait_for 120 utilization_scraped || true  # the check below shows what Prometheus has
grep -q '"value":\[[0-9.]*,"0.85"\]' <<<"$got" || fail "Prometheus has no utilization: $got"
query 'up{job="frugal"}' | grep -q '"value":\[[0-9.]*,"1"\]' || fail "target not up"
query 'frugal_gpu_memory_bytes{gpu="1"}' | grep -q '"42949672960"' || fail "memory size"
query 'frugal_gpu_idle_cost_dollars_total{gpu="1"} > 0' | grep -q '"gpu":"1"' || fail "idle dollars did not arrive"
query "abs(frugal_workload_utilization_ratio{user=\"$me\"} - 0.8) < 1e-9" | grep -q "\"user\":\"$me\"" ||
  fail "workload SM share: $(query frugal_workload_utilization_ratio)"
echo "ok - Prometheus scraped the agent (port $port) and answers queries"

kill -TERM "$agent"
wait "$agent" || fail "agent exit status $?"
grep -q "frugal agent: stopped" "$tmp/agent.err" || fail "no clean stop"
[[ $(wc -l < "$tmp/emf.log") -ge 2 ]] || fail "EMF lines: $(cat "$tmp/emf.log")"
grep -q '"Namespace":"frugal/GPU"' "$tmp/emf.log" || fail "EMF namespace"
grep -q '"InstanceType":"p4d.24xlarge"' "$tmp/emf.log" || fail "EMF dimension"
report=$("$frugal" agent report --since 1h)
grep -Eq '^ *0 .*GPU-aaaaaaaa.* 85% ' <<<"$report" || fail "report GPU 0: $report"
grep -Eq '^ *1 .*GPU-bbbbbbbb.* 0% ' <<<"$report" || fail "report GPU 1: $report"
json=$("$frugal" --format json agent report --since 1h)
grep -q '"idle_cost_usd"' <<<"$json" || fail "report json"
# Per workload: the agent's own process is the one workload on GPU 0 (80% SM): it is charged all of
# GPU 0's dollars, and the unused 20% as idle; GPU 1 ran nothing, so no workload pays for it.
byuser=$("$frugal" --format json agent report --since 1h --by user)
gpu0_cost=$(python3 -c 'import json,sys; r=[x for x in json.loads(sys.argv[1])["rows"] if x["uuid"].startswith("GPU-aaaa")][0]; print(r["cost_usd"])' "$json")
python3 - "$byuser" "$gpu0_cost" "$me" <<'PY' || fail "report --by user: $byuser (GPU 0 cost $gpu0_cost)"
import json, sys
rows = json.loads(sys.argv[1])["rows"]
gpu0, me = float(sys.argv[2]), sys.argv[3]
assert len(rows) == 1 and rows[0]["users"] == me, rows
r = rows[0]
assert gpu0 > 0 and abs(r["cost_usd"] - gpu0) < 1e-9, (r, gpu0)
assert abs(r["idle_cost_usd"] - 0.2 * gpu0) < 1e-9, r
assert abs(r["utilization"] - 0.8) < 1e-9 and r["gpus"] == 1, r
PY
if "$frugal" agent report --by host 2>/dev/null; then fail "--by host must be refused"; fi
echo "ok - history report (per GPU and per workload) and EMF output"

# --process-metrics brings back per-process series (pid, process, workload labels).
"$frugal" agent --listen 127.0.0.1:0 --instance-type p4d.24xlarge --interval 0.2s --duration 1s --no-history \
  --process-metrics --textfile "$tmp/proc.prom" 2>/dev/null
grep -Eq "^frugal_gpu_process_sm_utilization_ratio\{gpu=\"0\",.*pid=\"[0-9]+\",user=\"$me\",.*workload=\"" "$tmp/proc.prom" ||
  fail "--process-metrics: $(grep process "$tmp/proc.prom")"
promtool check metrics < "$tmp/proc.prom" || fail "promtool rejected the per-process textfile"

# --- the agent's idle dollars as a `frugal bill` opportunity ---
# A one-day synthetic bill for today, joined with the history the agent just wrote: the idle
# GPU's dollars appear as an "idle" opportunity for p4d.24xlarge, equal to the report's idle cost.
(cd "$tmp" && "$frugal" bill synth --days 1 --start "$(date -u +%Y-%m-%d)" --no-gzip >/dev/null)
bill=$("$frugal" --format json bill "$tmp"/synthetic-cur-*.csv --telemetry "p4d.24xlarge=$XDG_STATE_HOME/frugal/telemetry.db")
grep -q '"kind": "idle"' <<<"$bill" || fail "no idle opportunity from the agent history: $bill"
idle_bill=$(grep -A12 '"kind": "idle"' <<<"$bill" | sed -n 's/.*"saving_usd": \([0-9.e-]*\).*/\1/p' | head -1)
idle_report=$(grep -o '"idle_cost_usd": [0-9.e-]*' <<<"$json" | awk '{s += $2} END {printf "%.6f", s}')
awk -v a="$idle_bill" -v b="$idle_report" 'BEGIN{ exit !(a > 0 && (a - b < 1e-6 && b - a < 1e-6)) }' || fail "idle dollars: bill $idle_bill vs agent report $idle_report"
if "$frugal" bill "$tmp"/synthetic-cur-*.csv --telemetry nonsense 2>/dev/null; then fail "--telemetry with no such file must fail"; fi
echo "ok - agent idle dollars in the bill's opportunities"
# The history knows its instance id (--instance-id here; instance metadata on EC2): joined to that
# instance's lines, the idle GPU-hours are priced at what the bill charged for i-train-od-1
# (amortized cost / instance hours / the 2 GPUs the agent saw), not at the agent's list price.
joined=$("$frugal" --format json bill "$tmp"/synthetic-cur-*.csv --by resource --top 0 --telemetry "$XDG_STATE_HOME/frugal/telemetry.db")
python3 - "$joined" "$json" <<'PY' || fail "per-instance idle join: $joined"
import json, sys
bill, report = json.loads(sys.argv[1]), json.loads(sys.argv[2])
res = [r for r in bill["by_resource"] if r["resource_id"] == "i-train-od-1"]
assert len(res) == 1 and res[0]["instance_type"] == "p4d.24xlarge", res
rate = res[0]["amortized_usd"] / res[0]["hours"] / 2
idle = [o for o in bill["opportunities"] if o["kind"] == "idle"]
assert len(idle) == 1 and idle[0]["resource_id"] == "i-train-od-1" and idle[0]["instance_type"] == "p4d.24xlarge", idle
idle_h = sum(r["idle_hours"] for r in report["rows"])
watched_h = sum(r["watched_hours"] for r in report["rows"])
assert idle_h > 0 and abs(idle[0]["saving_usd"] - idle_h * rate) < 1e-6 * max(1, idle_h * rate), (idle[0], idle_h, rate)
assert abs(idle[0]["current_usd"] - watched_h * rate) < 1e-6 * max(1, watched_h * rate), (idle[0], watched_h, rate)
PY
echo "ok - the history joined to its instance's bill lines by instance id"

# --- top under tmux ---
tmux new-session -d -s "frugal-top-$$" -x 150 -y 30 \
  "env LD_LIBRARY_PATH='$fakelib' FAKE_NVML_SCENARIO='$scenarios/two_a100.json' FRUGAL_DATA_DIR='$data' AWS_EC2_METADATA_DISABLED=true XDG_STATE_HOME='$tmp/state' '$frugal' top --interval 0.2s --idle-grace 1s --instance-type p4d.24xlarge; sleep 30"
screen=""
idle_marked() { screen=$(tmux capture-pane -p -t "frugal-top-$$"); grep -Eq "IDLE [0-9]+s" <<<"$screen"; }
wait_for 120 idle_marked || true  # the checks below show the screen
grep -q "frugal top  2 GPUs  p4d.24xlarge on-demand" <<<"$screen" || fail "top header: $screen"
grep -Eq '^ +0  NVIDIA A100-SXM4-40GB +\[#+\.*\] +85% .* busy' <<<"$screen" || fail "top GPU 0 line: $screen"
grep -Eq '^ +1  NVIDIA A100-SXM4-40GB .* IDLE [0-9]+s' <<<"$screen" || fail "top GPU 1 not idle: $screen"
grep -q "Today (agent history)" <<<"$screen" || fail "top did not read the agent history: $screen"
grep -Eq "frugal top --interval" <<<"$screen" || fail "top process list: $screen"
tmux send-keys -t "frugal-top-$$" C-c
echo "ok - frugal top renders under tmux"

# --- no driver ---
if out=$(env -u FAKE_NVML_SCENARIO "$frugal" agent --listen 127.0.0.1:0 2>&1); then fail "agent without a driver must fail"; fi
[[ "$out" == "frugal: NVML init failed: DRIVER_NOT_LOADED (is the NVIDIA kernel driver loaded?)" ]] || fail "no-driver message: $out"
if out=$(env LD_LIBRARY_PATH=/nonexistent "$frugal" top --once 2>&1); then fail "top without NVML must fail"; fi
grep -q "^frugal: NVML not found: libnvidia-ml.so.1" <<<"$out" || fail "no-NVML message: $out"
echo "ok - no driver is one clear message"
