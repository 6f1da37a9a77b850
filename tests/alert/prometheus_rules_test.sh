#!/usr/bin/env bash
# frugal's Prometheus rules: the checked-in deploy/prometheus/frugal-rules.yml is what
# `frugal alert rules` writes from data/, `promtool check rules` accepts it, and `promtool test
# rules` runs tests/alert/prometheus/frugal-rules.test.yml (when each alert fires, its labels and
# dollars) against it. Bad threshold files are refused with file:line:column.
set -euo pipefail
frugal="$1"; data="$2"; src="$3"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export FRUGAL_DATA_DIR="$data"

"$frugal" alert rules > "$tmp/frugal-rules.yml"
diff -u "$src/deploy/prometheus/frugal-rules.yml" "$tmp/frugal-rules.yml" ||
  fail "deploy/prometheus/frugal-rules.yml is stale: regenerate it with 'frugal alert rules -o deploy/prometheus/frugal-rules.yml'"
promtool check rules "$tmp/frugal-rules.yml" || fail "promtool check rules"
cp "$src/tests/alert/prometheus/frugal-rules.test.yml" "$tmp/"
promtool test rules "$tmp/frugal-rules.test.yml" || fail "promtool test rules"
echo "ok - rules generated from data/, checked and unit-tested by promtool"

# Overrides: a subset of keys changes only those thresholds; -o writes the file.
cat > "$tmp/mine.toml" <<'TOML'
agent_job = "gpu-nodes"
[gpu_idle]
for = "2h"
TOML
"$frugal" -o "$tmp/mine.yml" alert rules --thresholds "$tmp/mine.toml"
promtool check rules "$tmp/mine.yml" >/dev/null || fail "promtool rejected the overridden rules"
grep -q 'expr: up{job="gpu-nodes"} == 0' "$tmp/mine.yml" || fail "agent_job override"
grep -q 'idle for over 2h' "$tmp/mine.yml" || fail "gpu_idle.for override"
grep -q 'frugal:fleet_idle_dollars_per_hour > 20$' "$tmp/mine.yml" || fail "an untouched threshold changed"
echo "ok - threshold overrides"

# Bad files: the error names file:line:column and what was expected; exit 2; nothing written.
expect_error() {  # file, expected message fragment
  local out rc=0
  out=$("$frugal" -o "$tmp/never.yml" alert rules --thresholds "$1" 2>&1) || rc=$?
  [[ $rc -eq 2 ]] || fail "$1: exit $rc, output: $out"
  grep -qF -- "$2" <<<"$out" || fail "$1: expected '$2' in: $out"
  [[ ! -e "$tmp/never.yml" ]] || fail "$1: a rule file was written despite the error"
}
printf '[gpu_idle]\nfor = "30 minutes"\n' > "$tmp/bad_duration.toml"
expect_error "$tmp/bad_duration.toml" "bad_duration.toml:2:7: expected a Prometheus duration"
printf '[fleet_idle]\ndollars_per_hour = -5\n' > "$tmp/negative.toml"
expect_error "$tmp/negative.toml" "negative.toml:2:20: expected a number >= 0 for 'fleet_idle.dollars_per_hour'"
printf '[workload_low_utilization]\nmax_utilization = 30\n' > "$tmp/ratio.toml"
expect_error "$tmp/ratio.toml" "ratio.toml:2:19: expected a ratio between 0 and 1"
printf '[gpu_idel]\nfor = "1h"\n' > "$tmp/typo.toml"
expect_error "$tmp/typo.toml" "typo.toml:1:1: unknown section [gpu_idel]; did you mean 'gpu_idle'"
printf '[spend_rate]\ndollars_per_hr = 10\n' > "$tmp/typo_key.toml"
expect_error "$tmp/typo_key.toml" "typo_key.toml:2:18: unknown key 'spend_rate.dollars_per_hr'; did you mean 'spend_rate.dollars_per_hour'"
printf 'agent_job = "a\\"b"\n' > "$tmp/job.toml"
expect_error "$tmp/job.toml" "job.toml:1:13: expected a scrape job name without quotes"
printf '[agent]\ndown_for = 5\n' > "$tmp/type.toml"
expect_error "$tmp/type.toml" "type.toml:2:12: expected a string for 'agent.down_for'"
printf '[agent\n' > "$tmp/syntax.toml"
expect_error "$tmp/syntax.toml" "syntax.toml:1:"
echo "ok - bad threshold files refused with file:line:column"
