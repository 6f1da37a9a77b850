#!/usr/bin/env bash
# Regenerates data/models/<name>.toml for the Hugging Face configs bundled in data/models/hf/
# (listed in published_params.csv), with the same `frugal catalog add-model` users run.
# deepseek-v3 keeps its hand-written file (the advisor's goldens use it); its config is checked
# by tests/catalog/hf_config_test.cpp like the others.
set -euo pipefail
cd "$(dirname "$0")/.."
frugal=${FRUGAL:-build/release/src/cli/frugal}
tail -n +2 data/models/hf/published_params.csv | while IFS=, read -r name repo config _; do
  [[ "$name" == deepseek-v3 ]] && continue
  FRUGAL_HOME=$(mktemp -d) "$frugal" --data-dir data catalog add-model "data/models/hf/$config" --name "$name" \
    --alias "$repo" --source "https://huggingface.co/$repo config.json (bundled as data/models/hf/$config); published totals in data/models/hf/published_params.csv" \
    --dir data/models --force >/dev/null
  echo "data/models/$name.toml"
done
