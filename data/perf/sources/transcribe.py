#!/usr/bin/env python3
"""Turns the transcribed tables in this folder into measured.csv rows (printed to stdout); each was run
once and its rows are committed.

Tables that declare their source and columns (`@source TEXT`, `@columns GPU:INSTANCE:PRECISION|...`,
then `model|tp|isl/osl|value...` rows of offline max throughput: v0.11-v0.13, v0.17, v0.20):
  python3 data/perf/sources/transcribe.py --wide TABLE... >> data/perf/measured.csv
static-batch tables (`@source`, `@gpus NAME=GPU:INSTANCE:PRECISION|...`, see static_table: v0.9):
  python3 data/perf/sources/transcribe.py --static TABLE... >> data/perf/measured.csv
the v0.14 online-serving table: `--serving`; the post-1.0 tables (03e27c7d, release/1.2): `--post-1.0`. The optimum-neuron
guidellm summaries and the NIM concurrency sweeps are never fitted: they are the independent check,
  python3 data/perf/sources/transcribe.py --guidellm sources/optimum-neuron-guidellm.txt > independent_check.csv
  python3 data/perf/sources/transcribe.py --nim sources/nim-1.0.0-performance.txt >> independent_check.csv
(with the header line of measured.csv first).
Hardware and precision are written as the sources spell them: perf validate maps them itself."""
import csv, sys

w = csv.writer(sys.stdout, lineterminator="\n")

def table(path):
    """The data lines of a table as field lists, each with the `@name value` directives read so far."""
    directives = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("@"):
            name, value = line[1:].split(" ", 1)
            directives[name] = value
        elif line and not line.startswith("#"):
            yield directives, line.split("|")

def wide_table(path):
    for d, (model, tp, lens, *vals) in table(path):
        columns = [c.split(":") for c in d["columns"].split("|")]
        assert len(vals) == len(columns), (path, model, tp, lens)
        isl, osl = lens.split("/")
        for (gpu, inst, prec), v in zip(columns, vals):
            if v:
                w.writerow([model, gpu, inst, prec, tp, "max (offline)", isl, osl, "output_throughput", v,
                            "tokens/s (per TP group)", d["source"]])

def static_table(path):
    """`@gpus NAME=GPU:INSTANCE:PRECISION|...`, then `T|gpu|model|batch|tp|isl|osl|tokens/s per GPU`
    (static batch throughput) and `L|gpu|model|tp|isl|ms` (first-token latency at batch 1) rows."""
    for d, (kind, gpu, model, *f) in table(path):
        gpus = dict(g.split("=") for g in d["gpus"].split("|"))
        hw, inst, prec = gpus[gpu].split(":")
        if kind == "T":
            batch, tp, isl, osl, v = f
            w.writerow([model, hw, inst, prec, tp, batch, isl, osl, "output_throughput", v, "tokens/s/GPU", d["source"]])
        else:
            assert kind == "L", (path, kind)
            tp, isl, v = f
            w.writerow([model, hw, inst, prec, tp, 1, isl, 1, "TTFT", v, "ms", d["source"]])

SRC14 = ("NVIDIA/TensorRT-LLM@258c7540 docs/source/performance/perf-overview.md (v0.14.0 online serving table; "
         "tensorrtllm_backend, 500 requests, BF16; open-loop QPS)")

def serving_rows(model, hw, inst, prec, tp, load, isl, osl, ttft, itl, tput, tput_unit, source):
    """The three rows of one load level of a serving table: mean TTFT, mean ITL, output throughput."""
    for metric, v, unit in (("TTFT_avg", ttft, "ms"), ("ITL_avg", itl, "ms"), ("output_throughput", tput, tput_unit)):
        w.writerow([model, hw, inst, prec, tp, load, isl, osl, metric, v, unit, source])

def serving_table(path):
    for _, (model, gpu, tp, lens, qps, ttft, itl, tput) in table(path):
        isl, osl = lens.split("/")
        inst = "p5en.48xlarge" if gpu.startswith("H200") else "p5.48xlarge"
        batch = "burst 500 (all 500 requests at once)" if qps == "INF" else f"rate {qps}/s for 500 requests"
        serving_rows(model, gpu, inst, "BF16", tp, batch, isl, osl, ttft, itl, tput, "tokens/s (per TP group)", SRC14)

SRC_POST_1_0 = ("NVIDIA/TensorRT-LLM@03e27c7d docs/source/developer-guide/perf-overview.md (after v1.0; trtllm-bench "
                "throughput, PyTorch backend, offline max throughput, fixed ISL/OSL; output tokens/s per GPU)")

# The page's H100/H200 columns say "(FP8)", but its FP8 model list has no gpt-oss and its GPT-OSS
# options say "moe_config: backend: ... # Hopper: use TRITON" and "kv_cache_config: dtype: fp8 #
# Hopper: use auto": on Hopper gpt-oss ran OpenAI's own checkpoint, MXFP4 expert weights through the
# Triton MoE kernels with BF16 activations and a BF16 KV cache, i.e. weight-only 4-bit (W4A16).
GPT_OSS_HOPPER = "MXFP4 experts, W4A16 (Triton MoE), BF16 KV; column header FP8"

# B200 columns say "(FP4)": NVIDIA's NVFP4 checkpoints (the page's FP4 model list), 4-bit weights and
# activations on Blackwell's FP4 tensor cores.
B200_FP4 = "NVFP4 (FP4 checkpoint); column header FP4"

def post_1_0_table(path):
    """`model|gpu|tp|parallel as published|isl/osl|tokens/s/GPU` rows of a post-1.0 page; `@source`
    names the page (the 03e27c7d table predates the directive and uses SRC_POST_1_0)."""
    for d, (model, gpu, tp, par, lens, v) in table(path):
        isl, osl = lens.split("/")
        if gpu.startswith("B200"):
            inst, prec = "p6-b200.48xlarge", B200_FP4
        else:
            inst = "p5en.48xlarge" if gpu.startswith("H200") else "p5.48xlarge"
            prec = GPT_OSS_HOPPER if model.startswith("gpt-oss") else "FP8"
        w.writerow([model, gpu, inst, prec, tp, f"max (offline; {par})", isl, osl, "output_throughput", v, "tokens/s/GPU",
                    d.get("source", SRC_POST_1_0)])

def guidellm_table(path):
    """`@prompt_tokens N`, `@source`, `@config MODEL|HW|INSTANCE|PRECISION|TP|BATCH LIMIT|REPLICAS`, then guidellm summary rows
    `MODE|req/s|latency s|TTFT ms|ITL ms|output tokens/s`. `synchronous` is one request at a time (one
    replica serves it); `throughput` keeps every replica full, i.e. BATCH LIMIT requests each. Its TTFT
    is the backlog of the whole run, so only ITL and throughput are kept."""
    for d, (mode, rps, latency, ttft, itl, tput) in table(path):
        model, hw, inst, prec, tp, limit, replicas = d["config"].split("|")
        osl = round(float(tput) / float(rps))  # tokens each request generated (the models stop at EOS)
        isl = d["prompt_tokens"]
        row = lambda load, metric, v, unit: w.writerow([model, hw, inst, prec, tp, load, isl, osl, metric, v, unit,
                                                        d["source"]])
        if mode == "synchronous":
            load = "concurrency 1 (guidellm synchronous)"
            row(load, "TTFT_avg", ttft, "ms")
            row(load, "ITL_avg", itl, "ms")
            row(load, "e2e_latency_avg", f"{float(latency) * 1e3:.6g}", "ms")
            row(load, "output_throughput", tput, "tokens/s")
        else:
            assert mode == "throughput", (path, mode)
            load = f"concurrency {limit} (guidellm throughput: every request at once; the server runs {limit} per replica)"
            row(load, "ITL_avg", itl, "ms")
            row(load, "output_throughput", tput, "tokens/s per system" if int(replicas) > 1 else "tokens/s")

def nim_table(path):
    """`@source`, `@config MODEL|HW|INSTANCE|PRECISION|TP|ISL/OSL`, then `concurrency|TTFT ms|ITL ms|output tokens/s`
    rows of a NIM AIPerf concurrency sweep (closed loop: each client sends its next request when the last ends)."""
    for d, (conc, ttft, itl, tput) in table(path):
        model, hw, inst, prec, tp, lens = d["config"].split("|")
        isl, osl = lens.split("/")
        serving_rows(model, hw, inst, prec, tp, f"concurrency {conc}", isl, osl, ttft, itl, tput, "tokens/s", d["source"])

MODES = {"--wide": wide_table, "--static": static_table, "--serving": serving_table, "--post-1.0": post_1_0_table,
         "--guidellm": guidellm_table, "--nim": nim_table}
if len(sys.argv) < 3 or sys.argv[1] not in MODES:
    sys.exit(__doc__)
for path in sys.argv[2:]:
    MODES[sys.argv[1]](path)
