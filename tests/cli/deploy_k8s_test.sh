#!/usr/bin/env bash
# deploy/kubernetes holds what it says (no API server runs here, so kubectl cannot validate it):
#   - every document parses and has apiVersion/kind/metadata.name;
#   - the ConfigMap's scheduler config is scheduler-config.yaml, and its verbs are routes the
#     extender serves (a real `frugal sched extender` answers them on loopback);
#   - the containers' frugal command lines run: each for half a second, on loopback, with the fake
#     NVML (agent) or a node list instead of the API (extender).
set -euo pipefail
frugal="$1"; deploy="$2"; data="$3"; fakelib="$4"; scenarios="$5"
export FRUGAL_DATA_DIR="$data" AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/nonexistent
tmp=$(mktemp -d)
source "$(dirname "$0")/../lib/servers.sh"
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$deploy" <<'PY'
import sys, yaml, pathlib
d = pathlib.Path(sys.argv[1])
docs = {}
for f in sorted(d.glob("*.yaml")):
    for doc in yaml.safe_load_all(f.read_text()):
        assert doc and "apiVersion" in doc and "kind" in doc, (f, doc)
        if doc["kind"] != "KubeSchedulerConfiguration":
            assert doc["metadata"]["name"], (f, doc)
        docs.setdefault(doc["kind"], []).append((f.name, doc))
cfg = yaml.safe_load((d / "scheduler-config.yaml").read_text())
cm = [x for _, x in docs["ConfigMap"] if x["metadata"]["name"] == "frugal-scheduler-config"][0]
assert yaml.safe_load(cm["data"]["scheduler-config.yaml"]) == cfg, "ConfigMap and scheduler-config.yaml differ"
ext = cfg["extenders"][0]
assert (ext["filterVerb"], ext["prioritizeVerb"], ext["bindVerb"]) == ("filter", "prioritize", "bind"), ext
assert ext["nodeCacheCapable"] is True and ext["urlPrefix"] == "http://127.0.0.1:9403", ext
cmds = []
for kind in ("Deployment", "DaemonSet"):
    for _, x in docs[kind]:
        for c in x["spec"]["template"]["spec"]["containers"]:
            if c["command"][0] == "frugal":
                cmds.append(c["command"])
assert len(cmds) == 2, cmds
PY
/usr/bin/python3 - "$deploy" <<'PY' > "$tmp/cmds"
import sys, yaml, pathlib
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.yaml")):
    for doc in yaml.safe_load_all(f.read_text()):
        if doc["kind"] in ("Deployment", "DaemonSet"):
            for c in doc["spec"]["template"]["spec"]["containers"]:
                if c["command"][0] == "frugal":
                    print("\x1f".join(c["command"][1:]))
PY
while IFS=$'\x1f' read -r -a words; do
  # The manifest's words, with the listen address and the state path moved into this test's reach.
  args=()
  for w in "${words[@]}"; do
    case $w in
      0.0.0.0:9401|127.0.0.1:9403) args+=(127.0.0.1:0) ;;
      /var/lib/frugal/telemetry.db) args+=("$tmp/telemetry.db") ;;
      *) args+=("$w") ;;
    esac
  done
  extra=(--duration 0.5s)
  [[ ${words[0]} == sched ]] && extra+=(--no-api --nodes "$data/sched/alibaba-gpu-v2023/openb_node_list_gpu_node.csv")
  [[ ${words[0]} == agent ]] && extra+=(--instance-type p5.48xlarge)
  LD_LIBRARY_PATH="$fakelib" FAKE_NVML_SCENARIO="$scenarios/two_a100.json" "$frugal" "${args[@]}" "${extra[@]}" 2>"$tmp/err" ||
    { echo "FAIL: the manifest's command fails: frugal ${words[*]}: $(cat "$tmp/err")"; exit 1; }
done < "$tmp/cmds"
# The verbs are the extender's routes.
"$frugal" sched extender --no-api --nodes "$data/sched/alibaba-gpu-v2023/openb_node_list_gpu_node.csv" \
  --listen 127.0.0.1:0 --duration 20s 2>"$tmp/ext.err" &
ext=$!
port=""
extender_port() { port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\) .*|\1|p' "$tmp/ext.err"); [[ -n $port ]]; }
wait_for 120 extender_port || true  # the check below shows its stderr
[[ -n $port ]] || { echo "FAIL: extender did not start: $(cat $tmp/ext.err)"; exit 1; }
for verb in filter prioritize bind; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/$verb" -d '{}')
  [[ $code == 200 ]] || { echo "FAIL: /$verb answered $code"; kill $ext; exit 1; }
done
kill -TERM $ext; wait $ext || true
grep -q "frugal extender: stopped" "$tmp/ext.err" || { echo "FAIL: no clean stop: $(cat $tmp/ext.err)"; exit 1; }
echo "ok - deploy/kubernetes parses, its config names the extender's routes, its commands are frugal's"
