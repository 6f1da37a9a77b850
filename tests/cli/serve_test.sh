#!/usr/bin/env bash
# `frugal serve` as a user runs it: two agents on the fake NVML (one busy GPU and one idle, and one
# more busy GPU), a synthetic bill, the dashboard on loopback. Checks the API and its token rules
# (non-loopback refused without a token; with one, the API needs it and the page does not), then
# the page in headless Chromium (tests/web/dashboard_test.mjs): every view's numbers against the
# API, screenshots kept in SCREENSHOTS, page weight and load time printed.
set -euo pipefail
frugal=$(realpath "$1"); data=$(realpath "$2"); fakelib="$3"; scenarios="$4"; src=$(realpath "$5"); shots="$6"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$tmp"/*.err; do [[ -f "$f" ]] && { echo "--- $f"; tail -5 "$f"; }; done; exit 1; }
unset AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE
export AWS_CONFIG_FILE=/nonexistent FRUGAL_DATA_DIR="$data" AWS_EC2_METADATA_DISABLED=true XDG_STATE_HOME="$tmp/state"
source "$src/tests/lib/servers.sh"
[[ -x /usr/bin/chromium ]] || fail "chromium is not installed (scripts/install-deps.sh installs it)"
[[ -d "$src/web/node_modules/playwright-core" ]] || fail "web/node_modules is missing: the build runs scripts/build-web.sh (npm ci)"

start_agent() {  # name scenario; sets `port`
  LD_LIBRARY_PATH="$fakelib" FAKE_NVML_SCENARIO="$2" "$frugal" agent --listen 127.0.0.1:0 --instance-type p4d.24xlarge \
    --interval 0.2s --idle-grace 1s --no-history 2>"$tmp/agent-$1.err" &
  pids+=($!)
  wait_for_agent "$tmp/agent-$1.err" "agent $1"
}
start_agent a "$scenarios/two_a100.json"; porta=$port
cat > "$tmp/one.json" <<'JSON'
{"devices": [{"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-dddddddd-0000-0000-0000-000000000000", "memory_total": 85899345920,
              "utilization": [{"cycles": 1, "gpu": 60}]}]}
JSON
start_agent b "$tmp/one.json"; portb=$port
mkdir -p "$tmp/bill" && (cd "$tmp/bill" && "$frugal" bill synth --days 60 --no-gzip >/dev/null)

# Beyond loopback without a token: refused before anything is served.
rc=0; err=$("$frugal" serve --listen 0.0.0.0:0 --agent "http://127.0.0.1:$porta" 2>&1) || rc=$?
[[ $rc -ne 0 ]] && grep -q "not a loopback address; pass --token-file" <<<"$err" || fail "non-loopback without a token: exit $rc: $err"

start_serve() {  # name, extra args...; sets `sport`
  local name=$1; shift
  "$frugal" serve --listen 127.0.0.1:0 --agent "http://127.0.0.1:$porta" --agent "http://127.0.0.1:$portb" \
    --agent "http://127.0.0.1:9" --bill "$tmp/bill" --poll 1s "$@" 2>"$tmp/serve-$name.err" &
  pids+=($!)
  sport=""
  wait_for 120 serve_port "$tmp/serve-$name.err" || fail "frugal serve did not start"
}

# With a token: the page is public (code only), the API is not.
start_serve token --token-file "$tmp/token"
[[ $(stat -c %a "$tmp/token") == 600 ]] || fail "token file mode"
tok=$(cat "$tmp/token")
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sport/") == 200 ]] || fail "page with a token"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sport/api/v1/fleet") == 401 ]] || fail "API without the token"
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "http://127.0.0.1:$sport/api/v1/fleet") == 200 ]] || fail "API with the token"
[[ $(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $tok" "http://127.0.0.1:$sport/api/v1/fleet") == 405 ]] || fail "POST is not read-only"
node "$src/tests/web/dashboard_test.mjs" "$src/web" "http://127.0.0.1:$sport" "$tmp/shots-token" "$tok" >"$tmp/page-token.err" 2>&1 || fail "the page with a token: $(tail -5 "$tmp/page-token.err")"
echo "ok - token rules (public page, API behind the token, read-only)"

# Loopback, no token: the API.
start_serve open
fleet=""
fleet_seen() {
  fleet=$(curl -sf "http://127.0.0.1:$sport/api/v1/fleet")
  python3 -c 'import json,sys; t=json.loads(sys.argv[1])["totals"]; sys.exit(0 if t["gpus"] == 3 and t["idle_gpus"] == 1 else 1)' "$fleet"
}
wait_for 120 fleet_seen || true  # the checks below read $fleet
# Every GPU is priced as one of a p4d.24xlarge: the price the agent itself exports.
price=$(curl -sf "http://127.0.0.1:$porta/metrics" | sed -n 's/^frugal_gpu_price_dollars_per_hour{gpu="0".*} //p')
[[ -n "$price" ]] || fail "agent a exports no price"
python3 - "$fleet" "$porta" "$portb" "$price" <<'PY' || fail "fleet: $fleet"
import json, sys
f, a, b, price = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
t = f["totals"]
assert t["gpus"] == 3 and t["idle_gpus"] == 1, t
assert abs(t["dollars_per_hour"] - 3 * price) < 1e-6, t
assert abs(t["idle_dollars_per_hour"] - price) < 1e-6, t
ok = {x["url"]: x for x in f["agents"]}
assert ok[f"http://127.0.0.1:{a}"]["ok"] and ok[f"http://127.0.0.1:{b}"]["ok"]
down = ok["http://127.0.0.1:9"]
assert not down["ok"] and down["error"], down  # an unreachable agent is listed with its error
PY
curl -sf "http://127.0.0.1:$sport/api/v1/bill" > "$tmp/bill.json"
"$frugal" --format json bill "$tmp/bill" > "$tmp/cli-bill.json"
python3 - "$tmp/bill.json" "$tmp/cli-bill.json" <<'PY' || fail "bill view differs from frugal bill"
import json, sys
view, cli = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert view["available"], view
# The Bill view and `frugal bill` agree: the same anomalies, to the cent, and the same GPU total.
got = [(a["date"], a["scope"], round(a["impact"], 2)) for a in view["anomalies"]]
want = [(a["date"], a["scope"], round(a["impact_usd"], 2)) for a in cli["anomalies"]]
assert got == want and len(got) == 3, (got, want)
assert abs(view["total"] - cli["gpu_usd"]) < 0.01, (view["total"], cli["gpu_usd"])
PY
code=$(curl -s -o "$tmp/bad.json" -w '%{http_code}' "http://127.0.0.1:$sport/api/v1/advise?model=llama-3.1-8b&rate=abc")
[[ $code == 400 ]] && grep -q "rate: expected a number" "$tmp/bad.json" || fail "bad advise parameter: $code $(cat "$tmp/bad.json")"
# The advisor route answers as `frugal advise --format json` does, its accuracy object included.
curl -sf "http://127.0.0.1:$sport/api/v1/advise?model=llama-3.1-8b&rate=5&tpot_slo_ms=50" > "$tmp/advise.json"
"$frugal" --format json advise --model llama-3.1-8b --rate 5/s --tpot-slo 50ms > "$tmp/cli-advise.json"
python3 - "$tmp/advise.json" "$tmp/cli-advise.json" <<'PY' || fail "advise route differs from frugal advise"
import json, sys
api, cli = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert api["ranked"] and api["ranked"][0]["instance"] == cli["ranked"][0]["instance"], (api["ranked"][:1], cli["ranked"][:1])
assert api["accuracy"] == cli["accuracy"], (api.get("accuracy"), cli["accuracy"])
assert api["accuracy"]["stack"] and api["accuracy"]["text"].startswith("accuracy"), api["accuracy"]
PY
echo "ok - API: fleet totals in dollars, unreachable agent listed, bill, advise errors, advise as the CLI gives it"

# The page in headless Chromium.
mkdir -p "$shots"
node "$src/tests/web/dashboard_test.mjs" "$src/web" "http://127.0.0.1:$sport" "$shots" || fail "dashboard in the browser"
