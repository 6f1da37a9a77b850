#!/usr/bin/env python3
"""Turns the transcribed tables in this folder into measured.csv rows (printed to stdout).

Run: python3 data/perf/sources/transcribe.py >> data/perf/measured.csv (once; the rows are committed);
the post-1.0 table was added later with
  python3 data/perf/sources/transcribe.py - - --only-new >> data/perf/measured.csv
Tables that declare their own source and columns (`@source TEXT`, `@columns GPU:INSTANCE:PRECISION|...`,
then `model|tp|isl/osl|value...` rows of offline max throughput) are turned into rows with
  python3 data/perf/sources/transcribe.py --wide TABLE... >> data/perf/measured.csv
and static-batch tables (`@gpus`, see static_table) with `--static TABLE...`.
Hardware and precision are written as the sources spell them: perf validate maps them itself."""
import csv, sys

w = csv.writer(sys.stdout, lineterminator="\n")
SRC17 = ("NVIDIA/TensorRT-LLM@258c7540 docs/source/performance/perf-overview.md (v0.17 throughput table; "
         "trtllm-bench throughput, infinite request rate, fixed ISL/OSL; total output tokens/s of the TP group)")
SRC14 = ("NVIDIA/TensorRT-LLM@258c7540 docs/source/performance/perf-overview.md (v0.14.0 online serving table; "
         "tensorrtllm_backend, 500 requests, BF16; open-loop QPS)")
GPUS = [("H200 141GB HBM3", "p5en.48xlarge", "FP8"), ("H100 80GB HBM3", "p5.48xlarge", "FP8"),
        ("L40S", "g6e.48xlarge", "FP8"), ("A100-SXM4-80GB", "p4de.24xlarge", "FP16")]

def rows(path):
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            yield line.split("|")

def wide_table(path):
    source, columns = None, None
    for line in open(path):
        line = line.strip()
        if line.startswith("@source "):
            source = line[len("@source "):]
        elif line.startswith("@columns "):
            columns = [c.split(":") for c in line[len("@columns "):].split("|")]
        elif line and not line.startswith("#"):
            model, tp, lens, *vals = line.split("|")
            assert source and columns and len(vals) == len(columns), (path, line)
            isl, osl = lens.split("/")
            for (gpu, inst, prec), v in zip(columns, vals):
                if v:
                    w.writerow([model, gpu, inst, prec, tp, "max (offline)", isl, osl, "output_throughput", v,
                                "tokens/s (per TP group)", source])

def static_table(path):
    """`@gpus NAME=GPU:INSTANCE:PRECISION|...`, then `T|gpu|model|batch|tp|isl|osl|tokens/s per GPU`
    (static batch throughput) and `L|gpu|model|tp|isl|ms` (first-token latency at batch 1) rows."""
    source, gpus = None, {}
    for line in open(path):
        line = line.strip()
        if line.startswith("@source "):
            source = line[len("@source "):]
        elif line.startswith("@gpus "):
            for g in line[len("@gpus "):].split("|"):
                name, spec = g.split("=")
                gpus[name] = spec.split(":")
        elif line and not line.startswith("#"):
            kind, gpu, model, *f = line.split("|")
            hw, inst, prec = gpus[gpu]
            assert source, path
            if kind == "T":
                batch, tp, isl, osl, v = f
                w.writerow([model, hw, inst, prec, tp, batch, isl, osl, "output_throughput", v, "tokens/s/GPU", source])
            else:
                assert kind == "L", line
                tp, isl, v = f
                w.writerow([model, hw, inst, prec, tp, 1, isl, 1, "TTFT", v, "ms", source])

if len(sys.argv) > 1 and sys.argv[1] == "--static":
    for path in sys.argv[2:]:
        static_table(path)
    sys.exit(0)

if len(sys.argv) > 1 and sys.argv[1] == "--wide":
    for path in sys.argv[2:]:
        wide_table(path)
    sys.exit(0)

SRC_NEW = ("NVIDIA/TensorRT-LLM@03e27c7d docs/source/developer-guide/perf-overview.md (after v1.0; trtllm-bench "
           "throughput, PyTorch backend, offline max throughput, fixed ISL/OSL; output tokens/s per GPU)")
if len(sys.argv) > 3 and sys.argv[3] == "--only-new":
    for f in rows("data/perf/sources/trtllm-03e27c7d-throughput.txt"):
        model, gpu, tp, par, lens, v = f
        isl, osl = lens.split("/")
        inst = "p5en.48xlarge" if gpu.startswith("H200") else "p5.48xlarge"
        w.writerow([model, gpu, inst, "FP8", tp, f"max (offline; {par})", isl, osl, "output_throughput", v, "tokens/s/GPU", SRC_NEW])
    sys.exit(0)

for f in rows(sys.argv[1] if len(sys.argv) > 1 else "data/perf/sources/trtllm-v0.17-throughput.txt"):
    model, tp, lens, *vals = f
    isl, osl = lens.split("/")
    for (gpu, inst, prec), v in zip(GPUS, vals):
        if v:
            w.writerow([model, gpu, inst, prec, tp, "max (offline)", isl, osl, "output_throughput", v,
                        "tokens/s (per TP group)", SRC17])

for f in rows(sys.argv[2] if len(sys.argv) > 2 else "data/perf/sources/trtllm-v0.14-serving.txt"):
    model, gpu, tp, lens, qps, ttft, itl, tput = f
    isl, osl = lens.split("/")
    inst = "p5en.48xlarge" if gpu.startswith("H200") else "p5.48xlarge"
    batch = "max (all 500 requests at once)" if qps == "INF" else f"rate {qps}/s"
    for metric, v, unit in (("TTFT_avg", ttft, "ms"), ("ITL_avg", itl, "ms"),
                            ("output_throughput", tput, "tokens/s (per TP group)")):
        w.writerow([model, gpu, inst, "BF16", tp, batch, isl, osl, metric, v, unit, SRC14])
