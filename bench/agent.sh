#!/usr/bin/env bash
# Resource use of a running `frugal agent` with 8 fake GPUs (tests/fake_nvml via LD_LIBRARY_PATH),
# 1 s sampling, SQLite history on, scraped once a second like Prometheus would. Reports CPU as a
# share of one core (utime+stime from /proc over the run) and resident memory (VmRSS, VmHWM).
# The issue's aim: under 1% of one core and under 20 MB RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${AGENT_BENCH_SECONDS:-60}
frugal=build/release/src/cli/frugal
lib=build/release/tests/fake_nvml/lib
tmp=$(mktemp -d)
trap 'kill $agent 2>/dev/null || true; rm -rf "$tmp"' EXIT
LD_LIBRARY_PATH=$lib FAKE_NVML_SCENARIO=tests/telemetry/scenarios/eight_h100.json AWS_EC2_METADATA_DISABLED=true \
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
samples=$(curl -sf "http://127.0.0.1:$port/metrics" | awk '/^frugal_agent_samples_total/{print $2}')
awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v rss="$rss" -v hwm="$hwm" -v n="$samples" -v s="$seconds" 'BEGIN{
  printf "frugal agent, 8 fake GPUs, 1 s interval, history on, %d scrapes over %.0f s (%d cycles):\n", s, t1-t0, n;
  printf "  CPU %.3f%% of one core (%.2f ms per second)\n", 100*(c1-c0)/(t1-t0), 1000*(c1-c0)/(t1-t0);
  printf "  RSS %.1f MB now, %.1f MB peak\n", rss/1024, hwm/1024 }'
