#!/usr/bin/env python3
"""Summarise skinny probe JSON files: per shape, gpu_cold_us (and graph_us) of every variant,
the best skinny variant and cuBLAS. Usage: summarize.py RESULT.json... [--figure gpu_cold_us]"""
import json, sys

figure = "gpu_cold_us"
files = []
args = sys.argv[1:]
while args:
    a = args.pop(0)
    if a == "--figure":
        figure = args.pop(0)
    else:
        files.append(a)

VENDOR = ("cublas", "cublaslt")
for path in files:
    report = json.load(open(path))
    rows = {}
    for run in report["runs"]:
        if run["disposition"] != "passed":
            continue
        s = run["shape"]
        p = s["problem"]
        key = (s["set"], s["name"], p["m"], p["n"], p["k"], p["layout"], p["epilogue"]["kind"])
        t = run["timings"].get(figure)
        if t is None:
            continue
        rows.setdefault(key, {})[run["variant"]] = t["median"]
    print(f"== {path} ({figure}, µs)")
    for key, times in rows.items():
        skinny = {v: t for v, t in times.items() if not v.startswith(VENDOR)}
        vendor = {v: t for v, t in times.items() if v.startswith(VENDOR)}
        best = min(skinny.items(), key=lambda kv: kv[1]) if skinny else ("-", float("nan"))
        cub = times.get("cublas/gemm", float("nan"))
        bestv = min(vendor.values()) if vendor else float("nan")
        label = f"{key[0]}/{key[1]} {key[2]}×{key[3]}×{key[4]} {key[5]} {key[6]}"
        print(f"{label:52s} best {best[0]:16s} {best[1]:8.2f}  cublas {cub:8.2f}  best-vendor {bestv:8.2f}  "
              + " ".join(f"{v}={t:.2f}" for v, t in sorted(times.items())))
