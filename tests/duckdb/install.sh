#!/usr/bin/env bash
# Installs DuckDB from npm (@duckdb/node-api, pinned by package-lock.json) into tests/duckdb/
# node_modules: the reference engine and independent Parquet writer of the bill tests and bench/.
# Never a run-time dependency of frugal. Concurrent callers wait for one install (flock).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null; then echo "duckdb: npm is needed for the DuckDB reference (Node.js and npm)" >&2; exit 1; fi
exec 9>.install.lock
flock 9
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
