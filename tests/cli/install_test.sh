#!/usr/bin/env bash
# Installing frugal as a fleet would (issue 17):
#   - `cmake --install --strip` (what `make install` runs) into a scratch prefix: a stripped binary,
#     data/ found beside it, man pages for every command that groff renders without warnings, bash
#     and zsh completions that complete, systemd units that `systemd-analyze verify` accepts and
#     `systemd-analyze security` rates OK or better;
#   - the .deb from CPack: dpkg installs it into a scratch root, `frugal --version` and `frugal demo`
#     run from there, and `dpkg -r` leaves nothing behind.
set -euo pipefail
build="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
unset FRUGAL_DATA_DIR AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE
export AWS_CONFIG_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true HOME="$tmp/home" ASAN_OPTIONS=detect_leaks=0

# --- make install ---
prefix="$tmp/prefix"
cmake --install "$build" --prefix "$prefix" --strip >/dev/null
bin="$prefix/bin/frugal"
[[ -x "$bin" ]] || fail "no binary installed"
if readelf -S "$bin" | grep -q '\.debug_info'; then fail "the installed binary carries debug info"; fi
printf 'binary size: build tree %s bytes, installed (stripped) %s bytes\n' \
  "$(stat -c %s "$build/src/cli/frugal")" "$(stat -c %s "$bin")"
[[ $("$bin" --version) =~ ^frugal\ [0-9.]+$ ]] || fail "--version: $("$bin" --version)"
# The installed data/ is the one used (not the source tree's): a change there shows in the output.
sed -i 's/^agent_job = .*/agent_job = "installed-copy"/' "$prefix/share/frugal/data/alerts/prometheus_rules.toml"
"$bin" alert rules > "$tmp/rules.yml"
grep -q 'up{job="installed-copy"}' "$tmp/rules.yml" || fail "the installed binary does not read the installed data/"
"$bin" demo > "$tmp/demo.txt" || fail "installed demo failed: $(tail -5 "$tmp/demo.txt")"
grep -q "best per instance type" "$tmp/demo.txt" || fail "demo output: $(head -20 "$tmp/demo.txt")"
echo "ok - make install: stripped binary, data beside it, demo runs"

# Man pages: one per command `frugal --help` lists, plus frugal.1; groff renders them cleanly.
commands=$("$bin" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF { print $1 }')
[[ -n "$commands" ]] || fail "no subcommands in --help"
for c in $commands; do
  page="$prefix/share/man/man1/frugal-$c.1"
  [[ -f "$page" ]] || fail "no man page for '$c'"
done
for page in "$prefix"/share/man/man1/*.1; do
  warnings=$(groff -man -ww -z "$page" 2>&1)
  [[ -z "$warnings" ]] || fail "groff warns on $page: $warnings"
done
groff -man -Tascii "$prefix/share/man/man1/frugal-alert.1" | col -b > "$tmp/alert.txt"
grep -q -- "--thresholds" "$tmp/alert.txt" || fail "frugal-alert(1) lacks --thresholds"
MANPATH="$prefix/share/man" man -P cat frugal-bill > "$tmp/bill.txt" 2>/dev/null || true
grep -q -- "--telemetry" "$tmp/bill.txt" || fail "man frugal-bill: $(head -5 "$tmp/bill.txt")"
echo "ok - man pages for $(wc -w <<<"$commands") commands"

# Completions: bash completes subcommands and options; zsh parses, and its tables agree.
complete_bash() { bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _frugal; echo "${COMPREPLY[*]}"' _ \
  "$prefix/share/bash-completion/completions/frugal" "$@"; }
[[ $(complete_bash frugal alert ru) == "rules run" ]] || fail "bash: frugal alert ru -> '$(complete_bash frugal alert ru)'"
[[ $(complete_bash frugal --format json bil) == "bill" ]] || fail "bash: global options before the command"
[[ $(complete_bash frugal bill --tele) == "--telemetry" ]] || fail "bash: frugal bill --tele -> '$(complete_bash frugal bill --tele)'"
[[ $(complete_bash frugal sched se) == "serve" ]] || fail "bash: frugal sched se"
if command -v zsh >/dev/null; then
  zsh -n "$prefix/share/zsh/vendor-completions/_frugal" || fail "zsh cannot parse _frugal"
  got=$(zsh -c "source <(sed '/^_frugal() {/,\$d' '$prefix/share/zsh/vendor-completions/_frugal'); _frugal_subcommands alert")
  [[ "$got" == "provision rules run" ]] || fail "zsh tables: '$got'"
fi
echo "ok - bash and zsh completions"

# systemd units: they verify, run the installed binary, and are hardened.
units=("$prefix"/lib/systemd/system/*.service)
[[ ${#units[@]} -eq 5 ]] || fail "units: ${units[*]}"
[[ -f "$prefix/lib/systemd/system/frugal-alert.timer" ]] || fail "no frugal-alert.timer"
grep -q "^ExecStart=$prefix/bin/frugal agent" "$prefix/lib/systemd/system/frugal-agent.service" || fail "agent unit names another binary"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify --man=no "${units[@]}" "$prefix/lib/systemd/system/frugal-alert.timer" || fail "systemd-analyze verify"
  for u in "${units[@]}"; do
    level=$(systemd-analyze security --offline=yes "$u" 2>/dev/null | tail -1)
    grep -Eq 'exposure level for .*: [0-9.]+ (OK|SAFE)' <<<"$level" || fail "$u: $level"
    echo "  $level"
  done
fi
grep -q '^DynamicUser=yes' "$prefix/lib/systemd/system/frugal-agent.service" || fail "agent unit runs as root"
echo "ok - systemd units"

# --- the .deb ---
cpack -G DEB -B "$tmp/pkg" --config "$build/CPackConfig.cmake" >/dev/null || fail "cpack"
deb=$(ls "$tmp"/pkg/frugal_*.deb)
dpkg-deb -I "$deb" > "$tmp/info.txt"
grep -q '^ Package: frugal$' "$tmp/info.txt" || fail "package name: $(cat "$tmp/info.txt")"
grep -Eq '^ Depends: .*libsqlite3' "$tmp/info.txt" || fail "no library dependencies: $(cat "$tmp/info.txt")"
dpkg-deb -c "$deb" > "$tmp/contents.txt"
grep -q ' ./usr/bin/frugal$' "$tmp/contents.txt" || fail "the .deb has no /usr/bin/frugal"
grep -q ' ./usr/lib/systemd/system/frugal-agent.service$' "$tmp/contents.txt" || fail "the .deb has no agent unit"
root="$tmp/root"; admin="$tmp/dpkg"
mkdir -p "$root" "$admin/updates" "$admin/info"
touch "$admin/status" "$admin/available"
dpkgx() { dpkg --root="$root" --admindir="$admin" --force-not-root --force-depends --force-script-chrootless --log=/dev/null "$@"; }
dpkgx -i "$deb" >"$tmp/dpkg.log" 2>&1 || fail "dpkg -i: $(cat "$tmp/dpkg.log")"  # the scratch root has no libraries: dependency warnings expected
dpkgx -s frugal | grep -q '^Status: install ok installed' || fail "not installed: $(dpkgx -s frugal)"
[[ $("$root/usr/bin/frugal" --version) =~ ^frugal ]] || fail "installed --version"
"$root/usr/bin/frugal" demo > "$tmp/demo2.txt" || fail "installed demo failed"
grep -q "best per instance type" "$tmp/demo2.txt" || fail "installed demo output"
grep -q '^ExecStart=/usr/bin/frugal agent' "$root/usr/lib/systemd/system/frugal-agent.service" || fail "the .deb's unit path"
dpkgx -r frugal >/dev/null || fail "dpkg -r"
left=$(find "$root" -mindepth 1 -not -type d)
[[ -z "$left" ]] || fail "files left after dpkg -r: $left"
printf 'ok - .deb (%s bytes) installs with dpkg, runs the demo, removes cleanly\n' "$(stat -c %s "$deb")"
