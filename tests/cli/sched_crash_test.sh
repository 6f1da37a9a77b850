#!/usr/bin/env bash
# Crash consistency of `frugal sched serve`: 200 short jobs (GPU shares and whole GPUs) are
# queued, then the daemon is killed with SIGKILL at random moments and restarted, again and
# again, while they run. At the end every job must be done and must have run exactly once: each
# appends its id to a file, and no id may be missing or repeated. SCHED_CRASH_KILLS sets the
# number of kills (default 25); the count survived is printed.
set -euo pipefail
frugal="$1"; data="$2"
jobs=${SCHED_CRASH_JOBS:-200}
kills=${SCHED_CRASH_KILLS:-25}
export FRUGAL_DATA_DIR="$data"
tmp=$(mktemp -d); trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
export FRUGAL_SCHED_DIR="$tmp/state"
source "$(dirname "$0")/../lib/servers.sh"
port=$(free_port)
export FRUGAL_SCHED_URL="http://127.0.0.1:$port"
start() {
  "$frugal" sched serve --gpus 4xH100-80GB --listen "127.0.0.1:$port" --interval 20ms >> "$tmp/daemon.out" 2>&1 &
  pid=$!
  # Every route needs the token, health included; the daemon writes it before it listens.
  wait_for 120 sched_healthy "$tmp/state" "$FRUGAL_SCHED_URL" && return
  echo "daemon did not start"; cat "$tmp/daemon.out"; exit 1
}
start
token=$(cat "$tmp/state/token")
for i in $(seq 1 "$jobs"); do
  case $((i % 4)) in 0) g=1 ;; 1) g=0.25 ;; 2) g=0.5 ;; *) g=0 ;; esac
  printf '{"argv":["sh","-c","echo $FRUGAL_JOB_ID >> %s/ran; sleep 0.%d"],"gpus":%s}\n' "$tmp" $((i % 9 + 1)) "$g"
done > "$tmp/specs"
while read -r spec; do
  curl -sf -o /dev/null -X POST -H "Authorization: Bearer $token" "$FRUGAL_SCHED_URL/v1/jobs" -d "$spec"
done < "$tmp/specs"
survived=0; busy=0
for k in $(seq 1 "$kills"); do
  sleep "0.$(( RANDOM % 4 ))$(( RANDOM % 10 ))"
  # Kills that land while jobs are still queued or running are the ones that matter.
  curl -sf -H "Authorization: Bearer $token" "$FRUGAL_SCHED_URL/v1/jobs?state=running&limit=1" | grep -q '"id"' && busy=$((busy + 1))
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  survived=$((survived + 1))
  start
done
done_count() { curl -sf -H "Authorization: Bearer $token" "$FRUGAL_SCHED_URL/v1/jobs?state=done&limit=100000" | grep -o '"id":' | wc -l; }
all_done() { [[ $(done_count) -eq $jobs ]]; }
wait_for 240 all_done || true  # the check below reports the states
n=$(done_count)
[[ "$n" -eq "$jobs" ]] || { echo "FAIL: $n of $jobs jobs done after $survived kills"; curl -s -H "Authorization: Bearer $token" "$FRUGAL_SCHED_URL/v1/jobs?limit=100000" | grep -o '"state":"[a-z]*"' | sort | uniq -c; exit 1; }
ran=$(sort -n "$tmp/ran" | uniq | wc -l); total=$(wc -l < "$tmp/ran"); dup=$(sort -n "$tmp/ran" | uniq -d | head -5 | tr '\n' ' ')
[[ "$ran" -eq "$jobs" && "$total" -eq "$jobs" ]] || { echo "FAIL: $total runs of $ran distinct jobs (want $jobs each once); repeated: $dup"; exit 1; }
requeued=$(curl -sf -H "Authorization: Bearer $token" "$FRUGAL_SCHED_URL/v1/jobs?limit=100000" | grep -o '"attempts":[0-9]*' | grep -vc '"attempts":1$' || true)
echo "sched crash: $jobs jobs each ran exactly once to completion across $survived SIGKILLs of the daemon ($busy of them while jobs ran; $requeued jobs needed more than one attempt)"
echo "sched crash: 1 passed, 0 failed"
