#!/usr/bin/env bash
# Bill ingest speed: `frugal bill` (1 thread, and one per core) against sqlite3 (Debian's sqlite3
# CLI: .import, then SUM) on the same uncompressed synthetic CUR from `frugal bill synth`, in the
# same run. Totals must agree to the cent. frugal's time is the whole analysis (GPU tables,
# trend, anomalies, coverage, opportunities), the median of BILL_BENCH_RUNS runs.
# BILL_BENCH_SCALE sets the size (10: about 68 MB, 275k lines; 300: about 2 GB, 8.3M lines).
# BILL_BENCH_SQLITE=0 skips the sqlite3 run (slow on multi-GB files).
set -euo pipefail
cd "$(dirname "$0")/.."
frugal=build/release/src/cli/frugal
scale=${BILL_BENCH_SCALE:-10}
runs=${BILL_BENCH_RUNS:-3}
cores=$(nproc)
tmp=$(mktemp -d "${BILL_BENCH_DIR:-/tmp}/frugal-bill-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
lines=$("$frugal" --format json bill synth --scale "$scale" --no-gzip --out-dir "$tmp" | sed -n 's/^  "lines": \([0-9]*\).*/\1/p')
f=$(ls "$tmp"/synthetic-*.csv)
bytes=$(stat -c %s "$f")
now() { date +%s.%N; }
median_time() {  # threads -> median seconds over $runs runs
  local ts=()
  for _ in $(seq 1 "$runs"); do
    local t0 t1
    t0=$(now); "$frugal" --format json bill "$f" --threads "$1" >/dev/null; t1=$(now)
    ts+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
  done
  printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'
}
total=$("$frugal" --format json bill "$f" | sed -n 's/^  "total_usd": \([0-9.]*\).*/\1/p')
t1=$(median_time 1)
tn=$(median_time "$cores")
report() { awk -v s="$2" -v b="$bytes" -v l="$lines" -v what="$1" 'BEGIN{printf "  %-26s %6.2f s  %6.3f GB/s  %5.2f M rows/s\n", what, s, b/s/1e9, l/s/1e6}'; }
printf "bill ingest, synthetic CUR %.2f GB, %s lines, total \$%.2f\n" "$(awk -v b="$bytes" 'BEGIN{print b/1e9}')" "$lines" "$total"
report "frugal bill, 1 thread" "$t1"
report "frugal bill, $cores threads" "$tn"
if [[ "${BILL_BENCH_SQLITE:-1}" != 0 ]]; then
  s0=$(now); sq=$(sqlite3 :memory: -cmd ".mode csv" -cmd ".import $f t" 'SELECT printf("%.2f", SUM("lineItem/UnblendedCost")) FROM t;'); s1=$(now)
  awk -v a="$total" -v b="$sq" 'BEGIN{ if (sprintf("%.2f", a) != b) { print "MISMATCH frugal " a " sqlite3 " b; exit 1 } }'
  report "sqlite3 .import + SUM" "$(awk -v a="$s0" -v b="$s1" 'BEGIN{print b-a}')"
  echo "  totals agree to the cent"
fi
