#!/usr/bin/env bash
# Golden tests of the `frugal` executable: each case in cases.txt runs the real binary and compares
# stdout (exit 0) or stderr (non-zero) with golden/<name>.txt, and the exit code.
# UPDATE_GOLDEN=1 rewrites the golden files from the current output.
set -uo pipefail
frugal="$1"; data="$2"; dir="$3"
export FRUGAL_DATA_DIR="$data"
export XDG_CACHE_HOME=$(mktemp -d)  # no refreshed price cache from the machine leaks into goldens
export FRUGAL_HOME=$(mktemp -d)     # nor models the machine's user added
# The region comes from the flags only: no environment, profile or instance metadata.
unset AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE
export AWS_CONFIG_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp" "$XDG_CACHE_HOME" "$FRUGAL_HOME"' EXIT
while IFS='|' read -r name rc args; do
  name=$(echo "$name" | xargs); rc=$(echo "$rc" | xargs)
  [[ -z "$name" || "$name" == \#* ]] && continue
  args=${args//@CASES@/$dir}
  args=${args//@DATA@/$data}
  # shellcheck disable=SC2086
  "$frugal" $args >"$tmp/out" 2>"$tmp/err"; got=$?
  out="$tmp/out"; [[ "$rc" != 0 ]] && out="$tmp/err"
  # Paths differ between machines: show the cases folder as @CASES@ and the data folder as @DATA@.
  sed -i "s#$dir#@CASES@#g; s#$data#@DATA@#g" "$out"
  golden="$dir/golden/$name.txt"
  if [[ "${UPDATE_GOLDEN:-}" == 1 ]]; then cp "$out" "$golden"; fi
  if [[ "$got" != "$rc" ]]; then
    echo "FAIL $name: exit code $got, expected $rc"; cat "$tmp/err"; fail=$((fail+1)); continue
  fi
  if ! diff -u "$golden" "$out"; then
    echo "FAIL $name: output differs from $golden"; fail=$((fail+1)); continue
  fi
  if [[ "$rc" != 0 && $(wc -l <"$out") -ne 1 ]]; then
    echo "FAIL $name: error output must be one line"; fail=$((fail+1)); continue
  fi
  pass=$((pass+1))
done <"$dir/cases.txt"
echo "cli: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
