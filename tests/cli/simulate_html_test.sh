#!/usr/bin/env bash
# `frugal simulate --html` writes a self-contained report: one chart pair per trace, one line per
# policy, no external resources; when Debian's chromium is installed it must render to a PNG.
set -euo pipefail
frugal="$1"; data="$2"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
FRUGAL_DATA_DIR="$data" "$frugal" simulate --seeds 42 --policy best-fit,fgd --threads 2 --html "$tmp/r.html" >/dev/null
lines=$(grep -o '<polyline' "$tmp/r.html" | wc -l)
[[ "$lines" -eq 6 ]] || { echo "expected 6 curves (3 charts x 2 policies), found $lines"; exit 1; }
grep -q 'trace: default' "$tmp/r.html" || { echo "missing trace heading"; exit 1; }
if grep -Eq '<script|src="http|href="http' "$tmp/r.html"; then echo "report is not self-contained"; exit 1; fi
if command -v chromium >/dev/null; then
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$tmp/profile" --window-size=1200,900 \
    --screenshot="$tmp/r.png" "file://$tmp/r.html" >/dev/null 2>&1 || true
  [[ -s "$tmp/r.png" ]] || { echo "chromium did not render the report"; exit 1; }
  echo "rendered $(stat -c %s "$tmp/r.png") bytes of PNG"
fi
echo "simulate html: 1 passed, 0 failed"
