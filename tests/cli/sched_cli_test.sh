#!/usr/bin/env bash
# `frugal sched serve` and its client end to end: two jobs sharing one GPU at 50% each run at the
# same time with their MPS variables, a windowed job waits for its window, logs and cancel work,
# the API refuses mutations without the token (401) and names the bad field (400), and the daemon
# refuses a non-loopback address without an explicit token file.
set -euo pipefail
frugal="$1"; data="$2"
export FRUGAL_DATA_DIR="$data" TZ=UTC
tmp=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
export FRUGAL_SCHED_DIR="$tmp/state"
source "$(dirname "$0")/../lib/servers.sh"
cd "$tmp"
port=$(free_port)
export FRUGAL_SCHED_URL="http://127.0.0.1:$port"
"$frugal" sched serve --gpus 1xH100-80GB --listen "127.0.0.1:$port" --interval 50ms > "$tmp/daemon.out" 2>&1 &
pid=$!
fail() { echo "FAIL: $*"; cat "$tmp/daemon.out"; exit 1; }
# Every route needs the token, health included; the daemon writes it before it listens.
wait_for 120 sched_healthy "$tmp/state" "$FRUGAL_SCHED_URL" || fail "the daemon did not answer /v1/health"
auth="Authorization: Bearer $(cat "$tmp/state/token")"
[[ $(stat -c %a "$tmp/state/token") == 600 ]] || fail "token file must be mode 0600"
[[ $(stat -c %a "$tmp/state") == 700 ]] || fail "state dir must be mode 0700, is $(stat -c %a "$tmp/state")"
[[ $(stat -c %a "$tmp/state/jobs.db") == 600 ]] || fail "jobs.db must be mode 0600, is $(stat -c %a "$tmp/state/jobs.db")"
# One daemon per state dir, one per port: a second one fails with the reason, and takes no requests.
if "$frugal" sched serve --gpus 1xH100-80GB --listen 127.0.0.1:0 --state-dir "$tmp/state" >"$tmp/second.out" 2>&1; then
  fail "a second daemon on the same state dir started"
fi
grep -q "another frugal sched serve is running on it" "$tmp/second.out" || fail "second daemon message: $(cat "$tmp/second.out")"
if "$frugal" sched serve --gpus 1xH100-80GB --listen "127.0.0.1:$port" --state-dir "$tmp/state2" >"$tmp/port.out" 2>&1; then
  fail "a second daemon on the same port started"
fi
grep -q "the port is in use" "$tmp/port.out" || fail "port in use message: $(cat "$tmp/port.out")"
# Two halves of one GPU, at the same time.
# Each half waits for the other to have started (for up to 180 s, so that a loaded machine's slow
# submit of the second half cannot let the first end alone): their lifetimes overlap only if the
# scheduler ran them at the same time. A start file appears (by rename) only once it holds its time:
# `date > x.start` would create it empty first, and the other half could end before that time.
a=$("$frugal" submit --gpus 0.5 --name half-a -- sh -c 'date +%s.%N > a.t; mv a.t a.start; env | grep ^CUDA_ | sort; end=$(($(date +%s) + 180)); while [ ! -e b.start ] && [ $(date +%s) -lt $end ]; do sleep 0.05; done; date +%s.%N > a.end' | awk '{print $3}')
b=$("$frugal" submit --gpus 0.5 --gpu-mem 20GiB --name half-b -- sh -c 'date +%s.%N > b.t; mv b.t b.start; end=$(($(date +%s) + 180)); while [ ! -e a.start ] && [ $(date +%s) -lt $end ]; do sleep 0.05; done; date +%s.%N > b.end' | awk '{print $3}')
# A nightly job whose window is not now.
h=$(date -u +%H); w1=$(printf '%02d:00' $(( (10#$h + 2) % 24 ))); w2=$(printf '%02d:00' $(( (10#$h + 3) % 24 )))
n=$("$frugal" submit --gpus 1 --window "$w1-$w2" --name nightly -- true | awk '{print $3}')
"$frugal" logs -f "$a" > "$tmp/a.log"
grep -q 'CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=50' "$tmp/a.log" || fail "MPS share variable missing: $(cat "$tmp/a.log")"
grep -q 'CUDA_VISIBLE_DEVICES=GPU-declared-0000' "$tmp/a.log" || fail "device variable missing"
both_ended() { [[ -s a.end && -s b.end ]]; }
wait_for 240 both_ended || fail "the halves did not both end: $(ls)"
awk -v as="$(cat a.start)" -v ae="$(cat a.end)" -v bs="$(cat b.start)" -v be="$(cat b.end)" 'BEGIN{ exit !(as < be && bs < ae) }' ||
  fail "the halves did not overlap: a $(cat a.start)..$(cat a.end), b $(cat b.start)..$(cat b.end)"
"$frugal" show "$b" | grep -q '"gpu_mem_mib": 20480' || fail "gpu-mem not recorded"
"$frugal" --format json jobs --state queued | grep -q '"name": "nightly"' || fail "the windowed job must wait for $w1-$w2"
"$frugal" cancel "$n" | grep -q cancelled || fail "cancel"
# Everything after -- is the command, options before it included (--env is one KEY=VALUE each).
e=$("$frugal" submit --env GREETING=hi --env B=2 -- sh -c 'echo "$GREETING-$B"' | awk '{print $3}')
[[ -n "$e" ]] || fail "submit --env ... -- sh -c was refused"
# To a file, not a pipe: grep -q would stop reading at the match, and under pipefail the
# follower's SIGPIPE on its last line would fail the test.
"$frugal" logs -f "$e" > "$tmp/e.log"
grep -q '^hi-2$' "$tmp/e.log" || fail "--env then -- sh -c: $(cat "$tmp/e.log")"
# A 20-digit id is no job (not a server error); log offsets outside the log are refused.
code=$(curl -s -o "$tmp/r" -w '%{http_code}' -H "$auth" "$FRUGAL_SCHED_URL/v1/jobs/99999999999999999999")
[[ "$code" == 404 ]] || fail "20-digit id: expected 404, got $code"
code=$(curl -s -o "$tmp/r" -w '%{http_code}' -H "$auth" "$FRUGAL_SCHED_URL/v1/jobs/99999999999999999999/logs")
[[ "$code" == 404 ]] || fail "20-digit id logs: expected 404, got $code"
for off in -1 99999999999999999999 9999999 abc; do
  code=$(curl -s -o "$tmp/r" -w '%{http_code}' -D "$tmp/h" -H "$auth" "$FRUGAL_SCHED_URL/v1/jobs/$e/logs?offset=$off")
  [[ "$code" == 400 ]] || fail "offset $off: expected 400, got $code"
  grep -q '"offset: expected a byte offset' "$tmp/r" || fail "offset $off message: $(cat "$tmp/r")"
done
curl -s -o "$tmp/full" -H "$auth" "$FRUGAL_SCHED_URL/v1/jobs/$e/logs"
size=$(stat -c %s "$tmp/full")
curl -s -D "$tmp/h" -o "$tmp/r" -H "$auth" "$FRUGAL_SCHED_URL/v1/jobs/$e/logs?offset=$((size - 3))"
grep -qi "^X-Next-Offset: $size" "$tmp/h" || fail "next offset after the last 3 of $size bytes: $(cat "$tmp/h")"
tail -c 3 "$tmp/full" | cmp -s - "$tmp/r" || fail "log from offset $((size - 3)) is not the last 3 bytes: $(cat "$tmp/r")"
# No token, no read: another local user can reach the loopback port but not the jobs or their logs.
for path in /v1/health /v1/jobs "/v1/jobs/$e" "/v1/jobs/$e/logs"; do
  code=$(curl -s -o "$tmp/r" -w '%{http_code}' "$FRUGAL_SCHED_URL$path")
  [[ "$code" == 401 ]] || fail "GET $path without the token: expected 401, got $code"
  if grep -q 'hi-2' "$tmp/r"; then fail "GET $path without the token leaked the log"; fi
done
# Env values never leave the daemon: show lists the names only.
"$frugal" show "$e" > "$tmp/show"
grep -q '"GREETING"' "$tmp/show" || fail "show must list the env names: $(cat "$tmp/show")"
if grep -q '"hi"' "$tmp/show"; then fail "show leaked an env value: $(cat "$tmp/show")"; fi
if curl -s -H "$auth" "$FRUGAL_SCHED_URL/v1/jobs?limit=100" | grep -q '"hi"'; then fail "the job list leaked an env value"; fi
# No token, no mutation; a bad field is named.
code=$(curl -s -o "$tmp/r" -w '%{http_code}' -X POST "$FRUGAL_SCHED_URL/v1/jobs" -d '{"argv":["true"]}')
[[ "$code" == 401 ]] || fail "no token: expected 401, got $code"
if FRUGAL_SCHED_TOKEN=wrong "$frugal" submit -- true 2>"$tmp/err"; then fail "a wrong token must be refused"; fi
grep -q 'HTTP 401' "$tmp/err" || fail "wrong token: $(cat "$tmp/err")"
code=$(curl -s -o "$tmp/r" -w '%{http_code}' -X POST -H "$auth" "$FRUGAL_SCHED_URL/v1/jobs" -d '{"argv":["true"],"gpus":-1}')
[[ "$code" == 400 ]] && grep -q '"field":"gpus"' "$tmp/r" || fail "bad field: $code $(cat "$tmp/r")"
if "$frugal" submit --gpus 2 -- true 2>"$tmp/err"; then fail "2 GPUs on a 1-GPU machine must be refused"; fi
grep -q 'this machine has 1' "$tmp/err" || fail "refusal reason: $(cat "$tmp/err")"
# Values that would be narrowed or cut are refused with the field named, not stored changed.
post() { curl -s -o "$tmp/r" -w '%{http_code}' -X POST -H "$auth" "$FRUGAL_SCHED_URL/v1/jobs" -d "$1"; }
for bad in '{"argv":["true"],"priority":99999999999}|priority' '{"argv":["true"],"checkpoint_signal":4294967305}|checkpoint_signal' \
           '{"argv":["true","a\u0000b"]}|argv' '{"argv":["true"],"env":{"A":"x\u0000y"}}|env'; do
  code=$(post "${bad%|*}")
  [[ "$code" == 400 ]] && grep -q "\"field\":\"${bad#*|}\"" "$tmp/r" || fail "${bad%|*}: expected 400 naming ${bad#*|}, got $code $(cat "$tmp/r")"
done
# A 1 MB argument can never be exec'd: refused at submit, not relaunched in a loop.
xs() { head -c "$1" /dev/zero | tr '\0' "$2"; }
printf '{"argv":["echo","%s"]}' "$(xs 1000000 x)" > "$tmp/big.json"
code=$(curl -s -o "$tmp/r" -w '%{http_code}' -X POST -H "$auth" "$FRUGAL_SCHED_URL/v1/jobs" --data-binary @"$tmp/big.json")
[[ "$code" == 400 ]] && grep -q 'an exec argument may have' "$tmp/r" || fail "1 MB argument: $code $(cat "$tmp/r")"
# A program that does not exist fails once, with the reason in show.
m=$("$frugal" submit -- frugal-no-such-program | awk '{print $3}')
job_failed() { "$frugal" show "$1" | grep -q '"state": "failed"'; }
wait_for 120 job_failed "$m" || true  # the checks below say what state it is in
"$frugal" show "$m" > "$tmp/show"
grep -q '"state": "failed"' "$tmp/show" && grep -q '"attempts": 1' "$tmp/show" && grep -q 'ENOENT' "$tmp/show" || fail "missing program: $(cat "$tmp/show")"
# Arguments within the per-argument limit but past the whole command line's (ARG_MAX, a quarter
# of the stack limit: 128 KiB here) fail the job once with E2BIG, instead of 111 relaunches.
port3=$(free_port)
( ulimit -s 512; exec "$frugal" sched serve --gpus 1xH100-80GB --listen "127.0.0.1:$port3" --state-dir "$tmp/small" --interval 50ms ) > "$tmp/small.out" 2>&1 &
pid3=$!
y=$(xs 60000 y); printf '{"argv":["echo","%s","%s","%s"]}' "$y" "$y" "$y" > "$tmp/wide.json"
export FRUGAL_SCHED_URL3="http://127.0.0.1:$port3"
wait_for 120 sched_healthy "$tmp/small" "$FRUGAL_SCHED_URL3" || fail "the small-stack daemon did not start: $(cat "$tmp/small.out")"
curl -sf -X POST -H "Authorization: Bearer $(cat "$tmp/small/token")" "$FRUGAL_SCHED_URL3/v1/jobs" --data-binary @"$tmp/wide.json" > "$tmp/r" || fail "wide submit: $(cat "$tmp/r")"
w=$(grep -o '"id":[0-9]*' "$tmp/r" | head -1 | cut -d: -f2)
# Wait for the job to end (a slow, loaded machine may take more than a pass or two to launch it);
# once it has failed it is final, so one attempt then means it was never relaunched.
wide_ended() {
  FRUGAL_SCHED_URL="$FRUGAL_SCHED_URL3" FRUGAL_SCHED_TOKEN="$(cat "$tmp/small/token")" "$frugal" show "$w" > "$tmp/show"
  grep -q '"state": "\(done\|failed\|cancelled\)"' "$tmp/show"
}
wait_for 120 wide_ended || true  # the check below says what state it is in
kill "$pid3"; wait "$pid3" 2>/dev/null || true
grep -q '"state": "failed"' "$tmp/show" && grep -q '"attempts": 1' "$tmp/show" && grep -q 'E2BIG' "$tmp/show" || fail "E2BIG job: $(cat "$tmp/show")"
# After writes, SQLite's -wal and -shm files exist too; they hold job specs as well.
for f in jobs.db-wal jobs.db-shm; do
  [[ ! -e "$tmp/state/$f" || $(stat -c %a "$tmp/state/$f") == 600 ]] || fail "$f must be mode 0600, is $(stat -c %a "$tmp/state/$f")"
done
[[ -e "$tmp/state/jobs.db-wal" ]] || fail "expected a WAL file after submits (the check above would be vacuous)"
# Beyond loopback only with an explicit token file.
if "$frugal" sched serve --gpus 1xH100-80GB --listen "0.0.0.0:$(free_port)" --state-dir "$tmp/other" 2>"$tmp/err"; then fail "non-loopback without token file"; fi
grep -q 'token-file' "$tmp/err" || fail "non-loopback refusal: $(cat "$tmp/err")"
echo "sched cli: 1 passed, 0 failed"
