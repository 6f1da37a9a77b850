#!/usr/bin/env bash
# Times the FGD paper's full default-trace experiment: the six paper policies x 10 seeds, on all
# cores, with hyperfine when installed (else bash's time). Run after `make build`.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd="build/release/src/cli/frugal simulate --trace default --seeds 42-51 --policy random,dot-product,clustering,packing,best-fit,fgd"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs 3 "$cmd >/dev/null"
else
  time $cmd >/dev/null
fi
