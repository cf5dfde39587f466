#!/usr/bin/env python3
"""Every timed run of a probe result file as one line: m n k variant, gpu_cold and gpu_hot
medians (µs), sorted by shape and variant. Usage: cold_hot.py PROBE.json[.gz]"""
import sys

from result_files import load

rows = []
for r in load(sys.argv[1])["runs"]:
    t = r.get("timings") or {}
    if "gpu_cold_us" in t and "gpu_hot_us" in t:
        p = r["shape"]["problem"]
        rows.append((p["m"], p["n"], p["k"], r["variant"], t["gpu_cold_us"]["median"],
                     t["gpu_hot_us"]["median"]))
for m, n, k, v, cold, hot in sorted(rows):
    print(m, n, k, v.ljust(22), "cold %.2f hot %.2f" % (cold, hot))
