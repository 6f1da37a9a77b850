#!/usr/bin/env bash
# Installs every Debian package frugal's build, demo and tests need.
# Idempotent: prints nothing and changes nothing when all are present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libcli11-dev nlohmann-json3-dev libfmt-dev libtomlplusplus-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev libpugixml-dev libcpp-httplib-dev zlib1g-dev libsnappy-dev libzstd-dev curl sqlite3
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus prometheus-alertmanager tmux chromium
  dpkg-dev fakeroot man-db groff-base bsdextrautils zsh systemd
  slurm-wlm slurm-client munge python3-yaml
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
)

# The dashboard (web/) is built with Node.js and npm; Debian's when the machine has none.
if ! command -v npm >/dev/null; then PACKAGES+=(nodejs npm); fi

# `--fuzz` adds clang and its libFuzzer/sanitizer runtime for `make fuzz`.
if [ "${1:-}" = "--fuzz" ]; then PACKAGES+=(clang libclang-rt-14-dev); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
