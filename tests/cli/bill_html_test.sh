#!/usr/bin/env bash
# `frugal bill --html` on the synthetic bill: a self-contained report whose charts hold what the
# bill says (a bar per day and type, a marker per anomalous day, the purchase split, the
# opportunities), rendered by Debian's headless chromium to a PNG that is not blank. A bad input
# leaves no report behind.
set -euo pipefail
frugal="$1"; data="$2"
export FRUGAL_DATA_DIR="$data"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$frugal" bill synth --days 60 --seed 42 >/dev/null
"$frugal" bill synthetic-cur-seed42-60d.csv.gz --html r.html >/dev/null
count() { grep -o "$1" r.html | wc -l; }
# Bars: one per (day, instance type) with amortized spend. The fleet runs p4d, p5 (spot), g5.xlarge,
# inf2 and g5.2xlarge every day: 5 per day.
bars=$(count 'class="bar"')
[[ "$bars" -eq 300 ]] || { echo "expected 300 bars (60 days x 5 types), found $bars"; exit 1; }
[[ $(count 'class="anomaly"') -eq 3 ]] || { echo "expected 3 anomaly markers (3 anomalous days), found $(count 'class="anomaly"')"; exit 1; }
[[ $(count 'class="purchase"') -eq 3 ]] || { echo "expected 3 purchase options (on-demand, spot, savings plan)"; exit 1; }
[[ $(count 'class="opportunity"') -ge 4 ]] || { echo "expected opportunities in the chart"; exit 1; }
grep -q 'SYNTHETIC BILL' r.html || { echo "the report must say the bill is synthetic"; exit 1; }
grep -q '2025-10-07: \$' r.html || { echo "anomaly tooltip for the forgotten p5 day missing"; exit 1; }
if grep -Eq '<script|src="http|href="http' r.html; then echo "report is not self-contained"; exit 1; fi
# A bad input: exit 2, and the previous report is left as it was (nothing half-written).
cp r.html before.html
printf 'lineItem/UsageStartDate,lineItem/UnblendedCost\n2025-09-01T00:00:00Z,abc\n' > bad.csv
set +e; "$frugal" bill bad.csv --html r.html >/dev/null 2>err.txt; rc=$?; set -e
[[ $rc -eq 2 ]] || { echo "bad input: expected exit 2, got $rc"; exit 1; }
grep -q 'bad.csv:2:22' err.txt || { echo "bad input error must name file:line:col: $(cat err.txt)"; exit 1; }
cmp -s r.html before.html || { echo "bad input changed the report"; exit 1; }
"$frugal" bill bad.csv --html fresh.html >/dev/null 2>&1 || true
[[ ! -e fresh.html ]] || { echo "bad input wrote a report"; exit 1; }
# Render it. A blank page of this size is a few kB of PNG; the charts make it far larger.
if command -v chromium >/dev/null; then
  render() {
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --user-data-dir="$tmp/profile" --window-size=1200,1400 \
      --screenshot="$2" "file://$tmp/$1" >/dev/null 2>&1 || true
  }
  echo '<html><body></body></html>' > blank.html
  render blank.html blank.png
  render r.html r.png
  [[ -s r.png ]] || { echo "chromium did not render the report"; exit 1; }
  blank=$(stat -c %s blank.png); report=$(stat -c %s r.png)
  [[ "$report" -gt $((blank * 10)) ]] || { echo "rendered report looks blank ($report bytes vs $blank for a blank page)"; exit 1; }
  echo "rendered $report bytes of PNG (blank page: $blank)"
else
  echo "chromium not installed: render skipped"
fi
echo "bill html: 1 passed, 0 failed"
