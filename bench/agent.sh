#!/usr/bin/env bash
# Resource use of a running `frugal agent` with 8 fake GPUs (tests/fake_nvml via LD_LIBRARY_PATH),
# 1 s sampling, SQLite history on, scraped once a second like Prometheus would. Each GPU runs
# AGENT_BENCH_PROCS_PER_GPU real processes (default 8: 64 in all, issue 16), each a Slurm job's
# (SLURM_JOB_ID in its environment, 4 jobs per GPU), so workload attribution is in the cost. Reports CPU as a
# share of one core (utime+stime from /proc over the run) and resident memory (VmRSS, VmHWM).
# The issue's aim: under 1% of one core and under 20 MB RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${AGENT_BENCH_SECONDS:-60}
frugal=build/release/src/cli/frugal
lib=build/release/tests/fake_nvml/lib
per_gpu=${AGENT_BENCH_PROCS_PER_GPU:-8}
tmp=$(mktemp -d)
procs=()
agent=""
trap 'kill $agent "${procs[@]}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
for g in $(seq 0 7); do
  for k in $(seq 1 "$per_gpu"); do
    env -i SLURM_JOB_ID=$((1000 + g * 4 + k % 4)) SLURM_JOB_ACCOUNT=acct$((g % 3)) sleep 100000 &
    procs+=($!)
    echo $! > "$tmp/p$g-$k.pid"
  done
done
python3 - "$tmp" "$per_gpu" > "$tmp/scenario.json" <<'PY'
import json, sys
tmp, per = sys.argv[1], int(sys.argv[2])
s = json.load(open("tests/telemetry/scenarios/eight_h100.json"))
for g, d in enumerate(s["devices"]):
    d["processes"] = [{"pid_file": f"{tmp}/p{g}-{k}.pid", "memory": 2 << 30, "sm": 10} for k in range(1, per + 1)]
print(json.dumps(s))
PY
LD_LIBRARY_PATH=$lib FAKE_NVML_SCENARIO="$tmp/scenario.json" AWS_EC2_METADATA_DISABLED=true \
  "$frugal" agent --listen 127.0.0.1:0 --instance-type p5.48xlarge --db "$tmp/t.db" 2>"$tmp/err" &
agent=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$tmp/err"); [[ -n "$port" ]] && break; sleep 0.1
done
tick=$(getconf CLK_TCK)
cpu() { awk -v t="$tick" '{print ($14+$15)/t}' "/proc/$agent/stat"; }
sleep 2  # start-up (catalog load) is not the steady state
c0=$(cpu); t0=$(date +%s.%N)
for _ in $(seq 1 "$seconds"); do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics"; sleep 1; done
c1=$(cpu); t1=$(date +%s.%N)
rss=$(awk '/VmRSS/{print $2}' "/proc/$agent/status"); hwm=$(awk '/VmHWM/{print $2}' "/proc/$agent/status")
metrics=$(curl -sf "http://127.0.0.1:$port/metrics")
samples=$(awk '/^frugal_agent_samples_total/{print $2}' <<<"$metrics")
workloads=$(grep -c '^frugal_workload_gpus{' <<<"$metrics" || true)
echo "workloads on /metrics: $workloads (expected $((per_gpu > 0 ? 8 * (per_gpu < 4 ? per_gpu : 4) : 0)) jobs); series: $(grep -vc '^#' <<<"$metrics")"
awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v rss="$rss" -v hwm="$hwm" -v n="$samples" -v s="$seconds" -v procs="$((8 * per_gpu))" 'BEGIN{
  printf "frugal agent, 8 fake GPUs, %d processes (Slurm jobs), 1 s interval, history on, %d scrapes over %.0f s (%d cycles):\n", procs, s, t1-t0, n;
  printf "  CPU %.3f%% of one core (%.2f ms per second)\n", 100*(c1-c0)/(t1-t0), 1000*(c1-c0)/(t1-t0);
  printf "  RSS %.1f MB now, %.1f MB peak\n", rss/1024, hwm/1024 }'
