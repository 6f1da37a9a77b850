#!/usr/bin/env bash
# Bill inputs an attacker or an unlucky pipeline can hand to `frugal bill` (issue 14):
#   - amounts whose sum passes int64 nano-dollars are summed exactly (128-bit), never wrapped;
#   - standard input (`-`), /dev/stdin and a pipe are read, plain or gzip, and give the same
#     figures as the file; a truncated gzip stream is named as such; `-` twice is refused.
set -euo pipefail
frugal="$1"; data="$2"; bills="$3"
export FRUGAL_DATA_DIR="$data"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
pass=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }

# Two lines at $9,000,000,000: an int64 sum of nano-dollars would wrap to about -$9.2e9.
printf 'BilledCost,ChargePeriodStart,EffectiveCost,ChargeDescription\n' > "$tmp/huge.csv"
for h in 00 01 02; do printf '9000000000,2025-09-01T%s:00:00Z,9000000000,p5.48xlarge usage\n' "$h"; done >> "$tmp/huge.csv"
"$frugal" --format json bill "$tmp/huge.csv" > "$tmp/huge.json"
grep -q '"gpu_usd": 27000000000.0' "$tmp/huge.json" || fail "three lines of 9e9: $(grep -m3 'cost_usd' "$tmp/huge.json")"
"$frugal" bill "$tmp/huge.csv" > "$tmp/huge.txt"
grep -q 'GPU/accelerator \$27,000,000,000.00 unblended' "$tmp/huge.txt" || fail "text total of three 9e9 lines"
if grep -q -- '-\$' "$tmp/huge.txt"; then fail "a negative figure from positive lines"; fi
ok "sums past int64 nano-dollars are exact"

sample="$bills/focus1.0_official_sample_1000.csv"
"$frugal" --format json bill "$sample" | grep -v '"files"\|"read ' > "$tmp/file.json"
cat "$sample" | "$frugal" --format json bill - | grep -v '"files"\|"read ' > "$tmp/pipe.json"
cmp -s "$tmp/file.json" "$tmp/pipe.json" || fail "bill - from a pipe differs from the file: $(diff "$tmp/file.json" "$tmp/pipe.json" | head -5)"
"$frugal" --format json bill /dev/stdin < "$sample" | grep -v '"files"\|"read ' > "$tmp/devstdin.json"
cmp -s "$tmp/file.json" "$tmp/devstdin.json" || fail "bill /dev/stdin differs from the file"
gzip -c "$sample" | "$frugal" --format json bill - | grep -v '"files"\|"read ' > "$tmp/gz.json"
cmp -s "$tmp/file.json" "$tmp/gz.json" || fail "bill - from gzip differs from the file"
"$frugal" bill - < "$sample" > "$tmp/stdin.txt"
grep -q 'read <stdin> (FOCUS, 1000 rows)' "$tmp/stdin.txt" || fail "standard input is named <stdin>"
ok "standard input, /dev/stdin and gzip on a pipe read like the file"

if gzip -c "$sample" | head -c 20000 | "$frugal" bill - 2> "$tmp/err"; then fail "a truncated gzip stream was accepted"; fi
grep -q '<stdin>: corrupt or truncated gzip data' "$tmp/err" || fail "truncated gzip message: $(cat "$tmp/err")"
if "$frugal" bill - - < "$sample" 2> "$tmp/err"; then fail "- twice was accepted"; fi
grep -q 'standard input can be read only once' "$tmp/err" || fail "- twice message: $(cat "$tmp/err")"
printf 'BilledCost,ChargePeriodStart,EffectiveCost,ChargeDescription\n1.0x,2025-09-01T00:00:00Z,1,g5.xlarge\n' > "$tmp/bad.csv"
set +e; "$frugal" bill - < "$tmp/bad.csv" 2> "$tmp/err"; rc=$?; set -e
[[ $rc == 2 ]] && grep -q '<stdin>:2:1: expected a decimal amount' "$tmp/err" || fail "bad row on stdin: rc $rc $(cat "$tmp/err")"
set +e; "$frugal" bill - < /dev/null 2> "$tmp/err"; rc=$?; set -e
[[ $rc == 2 ]] && grep -q '<stdin>:1:1: empty file' "$tmp/err" || fail "empty stdin: rc $rc $(cat "$tmp/err")"
ok "errors on standard input name <stdin>, its line and column"
echo "bill inputs: $pass passed, 0 failed"
