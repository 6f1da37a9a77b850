#!/usr/bin/env bash
# deploy/grafana/frugal-dashboard.json against the real thing: an agent on the fake NVML (one GPU
# busy with a process, one idle) scraped every second by a real prometheus. Every PromQL
# expression in the dashboard, with Grafana's variables filled in as Grafana would ($job and
# $instance as "All", $__rate_interval, $__range), must parse and return series; the template
# variables' label_values queries must return the job and the instance.
set -euo pipefail
frugal="$1"; data="$2"; fakelib="$3"; scenarios="$4"; src="$5"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
unset AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE
export AWS_CONFIG_FILE=/nonexistent FRUGAL_DATA_DIR="$data" AWS_EC2_METADATA_DISABLED=true XDG_STATE_HOME="$tmp/state"
source "$src/tests/lib/servers.sh"
dash="$src/deploy/grafana/frugal-dashboard.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["uid"] and d["panels"] and d["schemaVersion"] >= 36' "$dash" || fail "dashboard JSON"

LD_LIBRARY_PATH="$fakelib" FAKE_NVML_SCENARIO="$scenarios/two_a100.json" "$frugal" agent --listen 127.0.0.1:0 \
  --instance-type p4d.24xlarge --interval 0.2s --idle-grace 1s 2>"$tmp/agent.err" &
pids+=($!)
wait_for_agent "$tmp/agent.err" "agent"
cat > "$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: frugal-agent
    static_configs:
      - targets: ['127.0.0.1:$port']
YML
start_on_free_port prom /-/ready prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address=127.0.0.1:PORT || fail "prometheus did not start: $(tail -3 "$tmp/prom.log")"
pport=$port
# Enough scrapes for rate() over 5 s and the idle GPU to be past its grace period.
enough_scrapes() {
  curl -sf "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=count_over_time(frugal_gpu_idle{gpu="1"}[10s]) >= 6' | grep -q '"result":\[{'
}
wait_for 120 enough_scrapes || true  # the dashboard queries below report what is missing

python3 - "$dash" "http://127.0.0.1:$pport" <<'PY' || fail "dashboard queries"
import json, sys, urllib.parse, urllib.request
dash, prom = json.load(open(sys.argv[1])), sys.argv[2]
def get(path, **params):
    with urllib.request.urlopen(prom + path + "?" + urllib.parse.urlencode(params, doseq=True)) as r:
        return json.load(r)
def fill(expr):
    # As Grafana sends them: "All" becomes the variable's allValue, the macros become durations.
    return (expr.replace("$job", ".*").replace("$instance", ".*")
                .replace("$__rate_interval", "5s").replace("$__range", "1m"))
def panels(ps):
    for p in ps:
        yield p
        yield from panels(p.get("panels", []))
exprs = [(p["title"], t["expr"]) for p in panels(dash["panels"]) for t in p.get("targets", [])]
assert len(exprs) >= 15, len(exprs)
bad = []
for title, expr in exprs:
    try:
        r = get("/api/v1/query", query=fill(expr))
    except urllib.error.HTTPError as e:
        bad.append(f"{title}: {expr}: HTTP {e.code} {e.read()[:200]}")
        continue
    if r["status"] != "success" or not r["data"]["result"]:
        bad.append(f"{title}: {expr}: no series ({r['status']})")
for v in dash["templating"]["list"]:
    if v["type"] != "query":
        continue
    q = v["definition"]  # label_values(METRIC{...}, LABEL)
    metric, label = q[len("label_values("):-1].rsplit(",", 1)
    r = get(f"/api/v1/label/{label.strip()}/values", **{"match[]": fill(metric.strip())})
    if not r["data"]:
        bad.append(f"variable {v['name']}: {q}: no values")
if bad:
    print("\n".join(bad))
    sys.exit(1)
print(f"ok - {len(exprs)} dashboard expressions and {sum(v['type'] == 'query' for v in dash['templating']['list'])} variables return series from a real prometheus")
PY
