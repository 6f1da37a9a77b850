#!/usr/bin/env bash
# Long commands show progress on a terminal and stay quiet when piped: run under a pseudo-terminal
# (script(1)), stderr carries the redrawn line; redirected to a file, stderr stays empty.
set -euo pipefail
frugal=$(realpath "$1"); data=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export FRUGAL_DATA_DIR="$data"
unset FRUGAL_NO_PROGRESS
cd "$tmp"
"$frugal" bill synth --days 60 --scale 4 --no-gzip >/dev/null   # ~100k lines
bill=$(ls synthetic-cur-*.csv)

on_terminal() { script -qec "$1" /dev/null | tr '\r' '\n'; }
out=$(on_terminal "'$frugal' bill $bill >/dev/null")
grep -q "reading the bill, rows: [0-9]*  $bill" <<<"$out" || fail "no bill progress on a terminal: $(cat -v <<<"$out")"
out=$(on_terminal "'$frugal' simulate --policy fgd --seeds 1-2 >/dev/null")
grep -q "simulate default: 2/2 (100%)  fgd seed" <<<"$out" || fail "no simulate progress on a terminal: $(cat -v <<<"$out")"
echo "ok - progress on a terminal"

"$frugal" bill "$bill" >/dev/null 2>"$tmp/bill.err"
"$frugal" simulate --policy fgd --seeds 1-2 >/dev/null 2>"$tmp/sim.err"
[[ ! -s "$tmp/bill.err" && ! -s "$tmp/sim.err" ]] || fail "progress written when stderr is not a terminal: $(cat -v "$tmp"/*.err)"
# On a terminal with the output piped: the result on stdout stays clean of progress.
out=$(on_terminal "'$frugal' --format csv simulate --policy fgd --seeds 1-2 2>/dev/null")
if grep -q "simulate default:" <<<"$out"; then fail "progress mixed into stdout"; fi
echo "ok - quiet when not on a terminal"
