#!/usr/bin/env bash
# frugal inside a real Slurm (Debian's slurm-wlm 22.05 + munge), all on loopback in a temp folder:
#   - `frugal slurm gres` writes gres.conf from the fake NVML's two H100s (whole GPUs + 4 shards
#     each); `slurmd -G` parses it and a real slurmd registers with those counts;
#   - two real jobs through sbatch: one busy on 2 shards, one idle on a whole GPU. The fake NVML
#     lists each job's process on a GPU (pid files the batch scripts write) with the scenario's
#     utilisation; `frugal agent` attributes them from /proc; `frugal slurm report` gives each job
#     id its GPU time and idle dollars and flags the idle one;
#   - `frugal submit --backend slurm --window` reaches Slurm as --begin and --time.
# Needs root (slurmd, munged, placeholder device nodes); CI runs as root.
set -euo pipefail
frugal="$1"; data="$2"; fakelib="$3"
[[ $(id -u) -eq 0 ]] || { echo "SKIP: a real slurmd and munged need root"; exit 77; }
for b in slurmctld slurmd munged sbatch squeue; do command -v "$b" >/dev/null || { echo "FAIL: $b missing (scripts/install-deps.sh installs slurm-wlm and munge)"; exit 1; }; done
d=$(mktemp -d)
pids=()
# Stops a daemon by its pid file: TERM, up to 5 s, then KILL, so no slurmd outlives the test.
stop_daemon() {
  [[ -f $1 ]] || return 0
  local p
  p=$(cat "$1")
  kill "$p" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
}
cleanup() {
  scancel --user root 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "$d"/jobs/*.pid; do [[ -s $f ]] && kill "$(cat "$f")" 2>/dev/null || true; done
  stop_daemon "$d/slurmd.pid"
  stop_daemon "$d/slurmctld.pid"
  stop_daemon "$d/munge/munged.pid"
  rm -rf "$d"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$d"/slurmctld.log "$d"/slurmd.log "$d"/agent.err; do [[ -f $f ]] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}
source "$(dirname "$0")/../lib/servers.sh"
export FRUGAL_DATA_DIR="$data" AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/nonexistent XDG_STATE_HOME="$d/state"
export LD_LIBRARY_PATH="$fakelib" FAKE_NVML_SCENARIO="$d/scenario.json" SLURM_CONF="$d/slurm.conf"
mkdir -p "$d/dev" "$d/spool" "$d/statesave" "$d/munge" "$d/jobs"
chmod 700 "$d/munge"
# Placeholder GPU device nodes (NVIDIA's major 195): slurmd wants character devices.
mknod "$d/dev/nvidia0" c 195 0
mknod "$d/dev/nvidia1" c 195 1
cat > "$d/scenario.json" <<EOF
{"driver_version": "550.54.15", "devices": [
  {"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-00000000-0000-0000-0000-00000000000a", "memory_total": 85899345920,
   "utilization": [{"cycles": 1000000, "gpu": 90}], "power_mw": 600000,
   "processes": [{"pid_file": "$d/jobs/busy.pid", "memory": 21474836480, "sm": 90}]},
  {"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-00000000-0000-0000-0000-00000000000b", "memory_total": 85899345920,
   "utilization": 0, "power_mw": 90000,
   "processes": [{"pid_file": "$d/jobs/idle.pid", "memory": 2147483648, "sm": 0}]}]}
EOF

# --- gres.conf from NVML, accepted by slurmd ---
out=$("$frugal" slurm gres --node-name frugal1 --shards 4 --device-dir "$d/dev" --gres-conf "$d/gres.conf")
node_gres=$(sed -n 's/^NodeName=frugal1 Gres=//p' <<<"$out")
types=$(sed -n 's/^GresTypes=//p' <<<"$out")
[[ $node_gres == "gpu:h100:2,shard:8" ]] || fail "node Gres: '$node_gres' in: $out"
[[ $types == "gpu,shard" ]] || fail "GresTypes: '$types'"
dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 600 "$d/munge/munge.key"
ctld_port=$(free_port); d_port=$(free_port)
cat > "$d/slurm.conf" <<EOF
ClusterName=frugaltest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
AuthType=auth/munge
AuthInfo=socket=$d/munge/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$d/statesave
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
GresTypes=$types
NodeName=frugal1 NodeAddr=127.0.0.1 NodeHostname=$(hostname) CPUs=2 RealMemory=1000 Gres=$node_gres State=UNKNOWN
PartitionName=gpu Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
parsed=$(slurmd -N frugal1 -G 2>&1) || fail "slurmd -G: $parsed"
for i in 0 1; do
  grep -q "Gres Name=gpu Type=h100 Count=1 Index=$i .*File=$d/dev/nvidia$i" <<<"$parsed" || fail "slurmd -G, gpu $i: $parsed"
  grep -q "Gres Name=shard Type=h100 Count=4 Index=$i .*File=$d/dev/nvidia$i" <<<"$parsed" || fail "slurmd -G, shards $i: $parsed"
done
echo "$out"
echo "ok - frugal slurm gres: slurmd -G reads 2 h100 GPUs with 4 shards each"

# --- a real cluster of one node ---
munged --force --key-file="$d/munge/munge.key" --socket="$d/munge/munge.sock" --pid-file="$d/munge/munged.pid" \
  --log-file="$d/munge/munged.log" --seed-file="$d/munge/seed"
slurmctld -i
slurmd -N frugal1
state=""
node_idle() { state=$(sinfo -h -n frugal1 -o %T 2>/dev/null || true); [[ $state == idle ]]; }
wait_for 120 node_idle || true  # the check below names the state
[[ $state == idle ]] || fail "node not idle: '$state'"
gres=$(scontrol show node frugal1 | sed -n 's/^ *Gres=//p')
[[ $gres == "gpu:h100:2,shard:h100:8" ]] || fail "slurmctld's view of the node's gres: '$gres'"
echo "ok - slurmctld + slurmd + munge on loopback, node frugal1 has $gres"

# --- the agent, then two jobs ---
"$frugal" agent --listen 127.0.0.1:0 --instance-type p5.48xlarge --interval 0.2s --idle-grace 1s 2>"$d/agent.err" &
agent=$!
pids+=("$agent")
cat > "$d/job.sh" <<'EOF'
#!/bin/bash
# A GPU job's process: says where it runs, then holds the GPU.
env | grep -E '^(CUDA_VISIBLE_DEVICES|SLURM_SHARDS_ON_NODE|SLURM_JOB_ID)=' > "$PIDFILE.env"
echo $$ > "$PIDFILE"
exec sleep 120
EOF
chmod +x "$d/job.sh"
busy=$(PIDFILE=$d/jobs/busy.pid sbatch --parsable --job-name=train --account=nlp --gres=shard:2 -o /dev/null "$d/job.sh")
idle=$(PIDFILE=$d/jobs/idle.pid sbatch --parsable --job-name=notebook --account=vision --gres=gpu:1 -o /dev/null "$d/job.sh")
jobs_started() { [[ -s $d/jobs/busy.pid && -s $d/jobs/idle.pid ]]; }
wait_for 120 jobs_started || true  # the check below shows the queue
[[ -s $d/jobs/busy.pid && -s $d/jobs/idle.pid ]] || fail "jobs did not start: $(squeue)"
grep -q '^SLURM_SHARDS_ON_NODE=2$' "$d/jobs/busy.pid.env" || fail "shard job env: $(cat "$d/jobs/busy.pid.env")"
grep -q '^CUDA_VISIBLE_DEVICES=' "$d/jobs/idle.pid.env" || fail "gpu job env: $(cat "$d/jobs/idle.pid.env")"
# Let the agent charge a few seconds to each job, then stop it so the history is final.
port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$d/agent.err")
both_workloads() {
  m=$(curl -sf "http://127.0.0.1:$port/metrics" || true)
  grep -q "workload=\"slurm/$busy\"" <<<"$m" && grep -q "workload=\"slurm/$idle\"" <<<"$m"
}
wait_for 120 both_workloads || true  # the checks below show the metrics
grep -q "frugal_workload_cost_dollars_total{workload=\"slurm/$idle\",kind=\"slurm\",user=\"root\",job=\"$idle\",account=\"vision\",partition=\"gpu\"}" <<<"$m" ||
  fail "agent /metrics has no series for job $idle: $(grep workload <<<"$m" | head)"
sleep 3
kill -TERM "$agent"
wait "$agent" || fail "agent exit"
echo "ok - jobs $busy (2 shards) and $idle (1 GPU) ran; the agent attributed their GPU processes"

# --- the report: Slurm's jobs joined with the agent's history ---
json=$("$frugal" --format json slurm report --since 1h --db "$XDG_STATE_HOME/frugal/telemetry.db")
python3 - "$json" "$busy" "$idle" <<'PY' || fail "slurm report: $json"
import json, sys
r = json.loads(sys.argv[1]); busy, idle = sys.argv[2], sys.argv[3]
rows = {x["job"]: x for x in r["jobs"]["rows"]}
b, i = rows[busy], rows[idle]
# The scripted utilisation: the shard job's process uses 90% of GPU 0, the whole-GPU job 0% of GPU 1.
assert abs(b["utilization"] - 0.9) < 1e-9, b
assert abs(b["idle_share"] - 0.1) < 1e-9 and b["flag"] == "", b
assert i["utilization"] == 0 and abs(i["idle_cost_usd"] - i["cost_usd"]) < 1e-12 and i["flag"] == "IDLE", i
assert i["cost_usd"] > 0 and b["cost_usd"] > 0, (b, i)
for x in (b, i):
    assert x["user"] == "root" and x["partition"] == "gpu" and x["state"] == "RUNNING", x
assert b["gres"].endswith("shard:2") and i["gres"].endswith("gpu:1"), (b, i)
users = r["by_user"]["rows"]
assert len(users) == 1 and users[0]["user"] == "root" and users[0]["flagged"] == 1, users
assert abs(users[0]["idle_cost_usd"] - b["idle_cost_usd"] - i["idle_cost_usd"]) < 1e-12, users
accounts = {x["account"]: x for x in r["by_account"]["rows"]}
assert b["account"] == "nlp" and i["account"] == "vision", (b, i)
assert accounts["vision"]["flagged"] == 1 and accounts["nlp"]["flagged"] == 0, accounts
assert r["by_account"]["rows"][0]["account"] == "vision", r["by_account"]  # most idle dollars first
PY
text=$("$frugal" slurm report --since 1h --db "$XDG_STATE_HOME/frugal/telemetry.db")
grep -Eq "^$idle +root .* IDLE" <<<"$text" || fail "text report: $text"
echo "$text"
echo "ok - frugal slurm report: job $idle flagged idle, job $busy at 90%"

# --- off-peak windows through sbatch ---
# A window opening two hours from now: Slurm holds the job (BeginTime) with a 3-hour limit.
h=$(( ($(date +%-H) + 2) % 24 )); m=$(date +%M)
window=$(printf '%02d:%s-%02d:%s' "$h" "$m" $(( (h + 3) % 24 )) "$m")
sub=$("$frugal" --format json submit --backend slurm --window "$window" --gpus 1 --name nightly -- sh -c 'echo "it'"'"'s late"')
wid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["slurm_job_id"])' "$sub")
[[ $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["time_limit_min"])' "$sub") == 180 ]] || fail "window limit: $sub"
info=$(squeue -h -j "$wid" -o '%r|%l|%b|%j')
[[ $info == "BeginTime|3:00:00|gres:gpu:1|nightly" || $info == "BeginTime|3:00:00|gres/gpu:1|nightly" ]] || fail "windowed job in Slurm: '$info' ($sub)"
begin=$(scontrol show job "$wid" | sed -n 's/.*StartTime=\([^ ]*\).*/\1/p')
[[ $begin == $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["begin"])' "$sub") ]] || fail "begin: $begin vs $sub"
# A window open now: it starts at once and its limit ends with the window.
now_window=$(printf '%s-%02d:%s' "$(date -d '-1 min' +%H:%M)" $(( ($(date +%-H) + 1) % 24 )) "$(date +%M)")
sub2=$("$frugal" --format json submit --backend slurm --window "$now_window" -- true)
[[ $(python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(j["begin"], 0 < j["time_limit_min"] <= 60)' "$sub2") == "now True" ]] ||
  fail "open window: $sub2"
if "$frugal" submit --backend slurm --gpus 0.5 -- true 2>"$d/err"; then fail "a share without --shards-per-gpu must fail"; fi
grep -q 'shards-per-gpu' "$d/err" || fail "share error: $(cat "$d/err")"
"$frugal" submit --backend slurm --window "$window" --gpus 1 --name nightly2 -- python3 train.py
echo "ok - frugal submit --backend slurm --window $window: job $wid waits for $begin with a 3 h limit"
