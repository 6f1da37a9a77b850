#!/usr/bin/env bash
# Prices, regions, purchase options and bad input through the real `frugal` executable: what the
# golden files cannot say (values in JSON, stdout of failing runs, environment-chosen regions,
# models added from a Hugging Face config.json).
set -uo pipefail
frugal="$1"; data="$2"; fixtures="$3"
export FRUGAL_DATA_DIR="$data" XDG_CACHE_HOME=$(mktemp -d) FRUGAL_HOME=$(mktemp -d)
unset AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE
export AWS_CONFIG_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true
tmp=$(mktemp -d); trap 'rm -rf "$tmp" "$XDG_CACHE_HOME" "$FRUGAL_HOME"' EXIT
pass=0
fail() { echo "FAIL $*"; exit 1; }
ok() { pass=$((pass+1)); }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

# Spot in us-east-1 is the median of standard AZs: p5.48xlarge (18.1597+18.6838)/2, p6-b200 24.402.
"$frugal" --format json catalog instances --region us-east-1 >"$tmp/inst.json" || fail "catalog instances"
jq_py "r={x['instance']:x for x in d['rows']}
assert abs(r['p5.48xlarge']['spot']-18.42175)<1e-9, r['p5.48xlarge']
assert r['p5.48xlarge']['spot_basis']=='median of 4 AZs', r['p5.48xlarge']['spot_basis']
assert abs(r['p6-b200.48xlarge']['spot']-24.402)<1e-9, r['p6-b200.48xlarge']
assert r['p5.48xlarge']['capacity_block']==39.33" <"$tmp/inst.json" || fail "standard-AZ spot medians"
ok

# The Done-when advice in eu-west-1 works, and its prices are eu-west-1's.
for r in eu-west-1 us-east-1; do
  "$frugal" --format json advise --model llama-3.1-8b --rate 5/s --tpot-slo 50ms --region $r --purchase on-demand --instances g5.xlarge >"$tmp/$r.json" \
    || fail "advise --region $r"
done
eu=$(jq_py "print(d['ranked'][0]['hourly_price'], d['ranked'][0]['region'], d['ranked'][0]['rate']['as_of'])" <"$tmp/eu-west-1.json")
us=$(jq_py "print(d['ranked'][0]['hourly_price'], d['ranked'][0]['region'], d['ranked'][0]['rate']['as_of'])" <"$tmp/us-east-1.json")
[[ "$eu" == "1.123 eu-west-1 2025-11-30" ]] || fail "eu-west-1 price: $eu"
[[ "$us" == "1.006 us-east-1 2026-07-20" ]] || fail "us-east-1 price: $us"
ok

# --stack prices NVIDIA GPUs on another engine (TensorRT-LLM's PyTorch backend) while Neuron keeps
# its own; the accuracy quoted is that engine's. An unknown or Neuron stack is refused.
for st in default trtllm-pytorch; do
  flag=(); [[ $st == default ]] || flag=(--stack "$st")
  "$frugal" --format json advise --model llama-3.1-8b --rate 5/s --tpot-slo 50ms --region us-east-1 --purchase on-demand \
    --instances g6e.xlarge,inf2.xlarge "${flag[@]}" >"$tmp/stack-$st.json" || fail "advise --stack $st"
done
jq_py "r={c['instance']:c for c in d['ranked']}
assert r['g6e.xlarge']['stack']=='trtllm-pytorch', r['g6e.xlarge']['stack']
assert r['inf2.xlarge']['stack']=='neuronx', r['inf2.xlarge']['stack']" <"$tmp/stack-trtllm-pytorch.json" || fail "--stack applies to GPUs only"
# The two engines share their fitted overheads (efficiency.toml shares_overheads) and differ in their
# kernels: a mixture-of-experts model runs at each engine's own moe_eff.
for st in default trtllm-pytorch; do
  flag=(); [[ $st == default ]] || flag=(--stack "$st")
  "$frugal" --format json advise --model qwen3-30b-a3b --rate 5/s --tpot-slo 50ms --region us-east-1 --purchase on-demand \
    --instances g6e.xlarge "${flag[@]}" >"$tmp/moe-$st.json" || fail "advise qwen3-30b-a3b --stack $st"
done
g_def=$(jq_py "print([c['tpot_s'] for c in d['ranked'] if c['instance']=='g6e.xlarge'][0])" <"$tmp/moe-default.json")
g_pt=$(jq_py "print([c['tpot_s'] for c in d['ranked'] if c['instance']=='g6e.xlarge'][0])" <"$tmp/moe-trtllm-pytorch.json")
[[ "$g_def" != "$g_pt" ]] || fail "--stack trtllm-pytorch priced a MoE model on g6e.xlarge like the default engine ($g_def)"
jq_py "assert d['ranked'][0]['stack']=='trt-llm' or d['ranked'][0]['instance'].startswith('inf2'), d['ranked'][0]" <"$tmp/stack-default.json" || fail "default GPU stack"
"$frugal" advise --model llama-3.1-8b --rate 5/s --tpot-slo 50ms --region us-east-1 --purchase on-demand --instances g6e.xlarge \
  --stack trtllm-pytorch >"$tmp/stack.txt" || fail "advise --stack text"
grep -q "NVIDIA GPUs priced on stack 'trtllm-pytorch' (--stack" "$tmp/stack.txt" || fail "--stack note: $(cat "$tmp/stack.txt")"
grep -q "L40S / trtllm-pytorch" "$tmp/stack.txt" || fail "--stack accuracy line: $(cat "$tmp/stack.txt")"
for bad in nope neuronx; do
  if "$frugal" advise --model llama-3.1-8b --rate 5/s --stack "$bad" >"$tmp/bad-stack.out" 2>"$tmp/bad-stack.err"; then fail "--stack $bad accepted"; fi
  grep -q -- "--stack: .*'$bad'" "$tmp/bad-stack.err" || fail "--stack $bad error: $(cat "$tmp/bad-stack.err")"
  [[ ! -s "$tmp/bad-stack.out" ]] || fail "--stack $bad printed advice"
done
ok

# RI rows state their commitment and break-even utilisation (rate / on-demand).
"$frugal" --format json advise --model llama-3.1-8b --rate 5/s --tpot-slo 50ms --region eu-west-1 --purchase ri-3y --instances g5.xlarge --upfront all-upfront >"$tmp/ri.json" || fail "ri advise"
jq_py "c=d['ranked'][0]; m=c['commitment']
assert c['purchase']=='ri-3y' and m['term_years']==3, c
assert abs(m['break_even_utilisation']-0.42226/1.123)<1e-9, m
assert c['instances']>=1 and abs(m['upfront_usd']-0.42226*8760*3*c['instances'])<1e-6, (c['instances'], m)
assert c['rate']['label']=='RI 3y standard all-upfront', c['rate']" <"$tmp/ri.json" || fail "RI commitment fields"
ok

# The region follows AWS_REGION, then the profile's region, with a note saying so.
AWS_REGION=eu-west-1 "$frugal" advise --model llama-3.1-8b --rate 1/s --tpot-slo 50ms --instances g5.xlarge --top 1 >"$tmp/env.txt" || fail "advise AWS_REGION"
grep -q "prices in eu-west-1 (region from AWS_REGION)" "$tmp/env.txt" || fail "region note: $(cat "$tmp/env.txt")"
printf '[profile tokyo]\nregion = ap-northeast-1\n' >"$tmp/config"
AWS_CONFIG_FILE="$tmp/config" "$frugal" --format json advise --model llama-3.1-8b --rate 1/s --tpot-slo 50ms --profile tokyo --instances g5.xlarge >"$tmp/prof.json" || fail "advise --profile"
[[ $(jq_py "print(d['ranked'][0]['region'])" <"$tmp/prof.json") == ap-northeast-1 ]] || fail "profile region"
ok

# An absurd rate: exit 4, the rejections still printed, and what it would take; no wrapped counts.
"$frugal" advise --model llama-3.1-8b --rate 1e12/s --tpot-slo 50ms >"$tmp/absurd.txt" 2>"$tmp/absurd.err"; rc=$?
[[ $rc == 4 ]] || fail "absurd rate exit $rc"
grep -q "would take at least" "$tmp/absurd.txt" || fail "absurd rate says what it takes: $(cat "$tmp/absurd.txt")"
grep -q "Rejected instance types" "$tmp/absurd.txt" || fail "absurd rate rejections"
! grep -qE -- "-[0-9]{6,}|\\$-" "$tmp/absurd.txt" || fail "negative figures: $(grep -E -- '-[0-9]{6,}' "$tmp/absurd.txt")"
"$frugal" --format json advise --model llama-3.1-8b --rate 1e12/s --tpot-slo 50ms >"$tmp/absurd.json" 2>/dev/null
jq_py "w=d['would_take']; assert w['instances']>1e6, w" <"$tmp/absurd.json" || fail "would_take in JSON"
ok

# Baseline filtered out: the note says why.
"$frugal" advise --model llama-3.1-8b --rate 1/s --tpot-slo 50ms --instances g6 --top 1 >"$tmp/base.txt" || fail "baseline advise"
grep -q "the baseline (p4d.24xlarge on-demand) filtered out by --instances" "$tmp/base.txt" || fail "baseline note: $(cat "$tmp/base.txt")"
"$frugal" advise --model llama-3.1-8b --rate 1/s --tpot-slo 50ms --purchase spot --top 1 >"$tmp/base2.txt" || fail "baseline advise 2"
grep -q "filtered out by --purchase" "$tmp/base2.txt" || fail "baseline purchase note"
ok

# Headroom: the default keeps TPOT and memory at or under 90% of the SLO and of capacity; --headroom 0
# may use it all.
"$frugal" --format json advise --model llama-3.1-8b --rate 5/s --tpot-slo 50ms --top 20 >"$tmp/h.json" || fail "headroom advise"
jq_py "assert all(c['tpot_s']<=0.045+1e-12 for c in d['ranked']), [c['tpot_s'] for c in d['ranked']]
assert all((m:=c['memory_per_device'])['weights']+m['kv_cache']+m['activations']+m['reserve']<=0.9*m['capacity']+1 for c in d['ranked'])" <"$tmp/h.json" || fail "headroom kept"
"$frugal" --format json advise --model llama-3.1-8b --rate 5/s --tpot-slo 50ms --top 20 --headroom 0 >"$tmp/h0.json" || fail "headroom 0"
# Some option the default refused ranks now: it uses the TPOT margin or the memory margin.
jq_py "assert any(c['tpot_s']>0.045 or (m:=c['memory_per_device'])['weights']+m['kv_cache']+m['activations']+m['reserve']>0.9*m['capacity']+1 for c in d['ranked']), 'headroom 0 changed nothing'" <"$tmp/h0.json" || fail "headroom 0 uses the margin"
ok

# A fine-tune's config.json (not bundled): within 2% of its published 8.03B, and advise uses it.
"$frugal" --format json catalog add-model "$fixtures/hf/Hermes-3-Llama-3.1-8B/config.json" --alias NousResearch/Hermes-3-Llama-3.1-8B >"$tmp/add.json" || fail "add-model"
jq_py "r={x['field']:x['value'] for x in d['rows']}; assert abs(r['params']/8.03e9-1)<0.02, r['params']" <"$tmp/add.json" || fail "add-model params"
[[ -f "$FRUGAL_HOME/models/hermes-3-llama-3.1-8b.toml" ]] || fail "model file not in FRUGAL_HOME"
"$frugal" advise --model NousResearch/Hermes-3-Llama-3.1-8B --rate 2/s --tpot-slo 50ms --top 1 >"$tmp/hermes.txt" || fail "advise on the added model"
grep -q "NousResearch/Hermes-3-Llama-3.1-8B: serve hermes-3-llama-3.1-8b (8.03B params)" "$tmp/hermes.txt" || fail "added model title: $(head -1 "$tmp/hermes.txt")"
"$frugal" catalog models | grep -q "hermes-3-llama-3.1-8b" || fail "catalog models lists the added model"
# Adding it again rewrites the same file; shadowing a bundled model needs --force; bad configs
# say what and where.
"$frugal" catalog add-model "$fixtures/hf/Hermes-3-Llama-3.1-8B/config.json" >/dev/null || fail "re-add"
"$frugal" catalog add-model "$fixtures/hf/Hermes-3-Llama-3.1-8B/config.json" --name llama-3.1-8b >/dev/null 2>"$tmp/again.err"
[[ $? == 1 ]] || fail "shadow exit"
grep -q "a model named 'llama-3.1-8b' exists" "$tmp/again.err" || fail "shadow message: $(cat "$tmp/again.err")"
"$frugal" catalog add-model "$fixtures/hf/bad/syntax.json" 2>"$tmp/syn.err"; rc=$?
[[ $rc == 2 ]] || fail "syntax exit $rc"
grep -q "bad/syntax.json:4:" "$tmp/syn.err" || fail "syntax location: $(cat "$tmp/syn.err")"
"$frugal" catalog add-model "$fixtures/hf/bad/mamba.json" 2>"$tmp/mamba.err"; [[ $? == 1 ]] || fail "mamba exit"
grep -q "field 'model_type' is 'mamba'" "$tmp/mamba.err" || fail "mamba message: $(cat "$tmp/mamba.err")"
"$frugal" catalog add-model "$fixtures/hf/bad/no_intermediate.json" 2>"$tmp/ni.err"; [[ $? == 1 ]] || fail "no_intermediate exit"
grep -q "missing field 'intermediate_size'" "$tmp/ni.err" || fail "missing field message"
ls "$FRUGAL_HOME/models" | grep -qv hermes && fail "a refused config left a file behind"
ok

# --region all compares every priced region and labels each row.
"$frugal" --format json advise --model llama-3.1-8b --rate 5/s --tpot-slo 50ms --region all --purchase on-demand --instances g5.xlarge --top 100 >"$tmp/all.json" || fail "region all"
jq_py "rs={c['region'] for c in d['ranked']}; assert len(rs)>=15, rs
p=[c['cost_per_hour'] for c in d['ranked']]; assert p==sorted(p)" <"$tmp/all.json" || fail "region all rows"
ok

echo "advise cli: $pass passed"
