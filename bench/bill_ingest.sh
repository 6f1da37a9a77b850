#!/usr/bin/env bash
# Bill ingest speed: `frugal bill` against sqlite3 (Debian's sqlite3 CLI: .import, then SUM) on the
# same synthetic CUR file, in the same run. Both must agree on the bill total to the cent.
# BILL_BENCH_SCALE sets the size (10: about 66 MB, 248k lines).
set -euo pipefail
cd "$(dirname "$0")/.."
frugal=build/release/src/cli/frugal
scale=${BILL_BENCH_SCALE:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$frugal" bill synth --scale "$scale" --no-gzip --out-dir "$tmp" >/dev/null
f=$(ls "$tmp"/synthetic-*.csv)
mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN{printf "%.1f", b/1e6}')
now() { date +%s.%N; }
t0=$(now); total=$("$frugal" --format json bill "$f" | sed -n 's/.*"total_usd": \([0-9.]*\).*/\1/p' | head -1); t1=$(now)
s0=$(now); sq=$(sqlite3 :memory: -cmd ".mode csv" -cmd ".import $f t" 'SELECT printf("%.2f", SUM("lineItem/UnblendedCost")) FROM t;'); s1=$(now)
awk -v a="$total" -v b="$sq" 'BEGIN{ if (sprintf("%.2f", a) != b) { print "MISMATCH frugal " a " sqlite3 " b; exit 1 } }'
awk -v mb="$mb" -v f0="$t0" -v f1="$t1" -v s0="$s0" -v s1="$s1" -v tot="$sq" 'BEGIN{
  printf "bill ingest, synthetic CUR %.1f MB, total $%s (frugal and sqlite3 agree):\n", mb, tot;
  printf "  frugal bill    %.2f s  %.0f MB/s (whole analysis: GPU tables, trend, anomalies)\n", f1-f0, mb/(f1-f0);
  printf "  sqlite3 import+SUM %.2f s  %.0f MB/s\n", s1-s0, mb/(s1-s0) }'
