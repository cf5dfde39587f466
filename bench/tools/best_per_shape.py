#!/usr/bin/env python3
"""Per (m, n, k) of a probe result file: cuBLAS's gpu_cold median and the fastest variants.

Used by the call scripts (bench/experiments/s14-call*.sh and later) to print a summary on the
device. Usage: best_per_shape.py PROBE.json[.gz] [SHOWN]
"""
import collections
import sys

from result_files import load

d = load(sys.argv[1])
shown = int(sys.argv[2]) if len(sys.argv) > 2 else 6
print("read bandwidth", round(d["ceilings"]["read_bandwidth"]["gbps"], 1))
rows = collections.defaultdict(list)
for r in d["runs"]:
    t = r.get("timings") or {}
    if "gpu_cold_us" not in t:
        continue
    p = r["shape"]["problem"]
    rows[(p["m"], p["n"], p["k"])].append((t["gpu_cold_us"]["median"], r["variant"]))
for key in sorted(rows):
    v = sorted(rows[key])
    cb = [c for c, n in v if n == "cublas/gemm"]
    print(key, "cublas", round(cb[0], 2) if cb else None, " | ",
          "  ".join(f"{n} {c:.2f}" for c, n in v[:shown]))
