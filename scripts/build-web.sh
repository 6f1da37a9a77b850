#!/usr/bin/env bash
# Builds the dashboard of `frugal serve` (web/: Vite + uPlot from npm) and embeds it as C++
# (OUT.cpp), so the binary serves it without npm or files at run time. npm packages come from the
# npm registry into web/node_modules, pinned by web/package-lock.json (`npm ci`), installed again
# only when the lock file changes.
# Usage: scripts/build-web.sh OUT.cpp
set -euo pipefail
out="$1"
web="$(cd "$(dirname "$0")/../web" && pwd)"
cd "$web"
if ! command -v npm >/dev/null; then echo "build-web: npm is needed to build the dashboard (Node.js and npm)" >&2; exit 1; fi
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
dist=$(mktemp -d)
trap 'rm -rf "$dist"' EXIT
FRUGAL_WEB_OUT="$dist" node node_modules/vite/bin/vite.js build --logLevel error >&2
node embed.mjs "$dist" "$out"
