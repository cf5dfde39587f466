#!/usr/bin/env python3
"""Where issue 4's M bar stands, from one or more probe result files.

The bar: at M = 2, 4, 8, 16 the best skinny variant beats cuBLAS on every shape, and at M <= 8
takes at most 1.3x its own M = 1 time. Per (dtype, layout, epilogue, n, k) and M this prints the
best skinny variant's gpu_cold median beside cuBLAS's: cublas/gemm for a plain product, the faster
of cublas/gemm+bias and cublaslt/matmul for a bias product (cublas/gemm takes no bias, so a bias
shape without those baselines is marked "no baseline", not a loss). The M = 1 ratio uses the best
skinny M = 1 time found in the same files.

Skinny and cuBLAS are compared within one run: for each shape and M the row comes from the last
file (in argument order) that holds both a skinny figure and its baseline, and names that file,
so figures of different runs are never set against each other. (A run without the baseline is
used only when no file has it.) The M = 1 time may come from another run. Usage:
m_bar.py PROBE.json[.gz] ...
"""
import sys

from result_files import is_vendor, load

CUBLAS_PLAIN = {"cublas/gemm"}
CUBLAS_BIAS = {"cublas/gemm+bias", "cublaslt/matmul"}
BAR_RATIO = 1.3


def shape_key(problem):
    return (problem["dtype"], problem["layout"], problem["epilogue"]["kind"], problem["n"], problem["k"])


def main(paths):
    # (shape key, m) -> [(file, {variant: median µs})], in argument order
    figures = {}
    for path in paths:
        runs = {}
        for run in load(path)["runs"]:
            cold = (run.get("timings") or {}).get("gpu_cold_us")
            if run.get("disposition") != "passed" or not cold:
                continue
            problem = run["shape"]["problem"]
            key = (shape_key(problem), problem["m"])
            runs.setdefault(key, {})[run["variant"]] = cold["median"]
        for key, variants in runs.items():
            figures.setdefault(key, []).append((path.split("/")[-1], variants))

    def best_skinny(variants):
        own = [(t, v) for v, t in variants.items() if not is_vendor(v)]
        return min(own) if own else None

    def baselines_of(shape):
        return CUBLAS_BIAS if shape[2] == "bias" else CUBLAS_PLAIN

    def one_run(shape, m):
        """The last run holding a skinny figure and its baseline (else the last with skinny)."""
        with_skinny = [(f, v) for f, v in figures.get((shape, m), []) if best_skinny(v)]
        paired = [(f, v) for f, v in with_skinny if baselines_of(shape) & v.keys()]
        chosen = paired or with_skinny
        return chosen[-1] if chosen else None

    losses = 0
    print("shape (dtype layout epilogue n k)      M   best skinny                      cuBLAS     verdict   ×M=1")
    for (shape, m) in sorted(figures, key=lambda km: (km[0], km[1])):
        if m == 1:
            continue
        run = one_run(shape, m)
        if run is None:
            continue
        source, variants = run
        mine = best_skinny(variants)
        theirs = [variants[b] for b in baselines_of(shape) if b in variants]
        if theirs:
            verdict = "win" if mine[0] < min(theirs) else "LOSS"
            cublas = f"{min(theirs):9.2f}"
        else:
            verdict, cublas = "no baseline", "        -"
        one_source = one_run(shape, 1)
        one = best_skinny(one_source[1]) if one_source else None
        ratio = mine[0] / one[0] if one else None
        ratio_text = f"{ratio:.2f}" if ratio else "-"
        if ratio and m <= 8 and ratio > BAR_RATIO:
            ratio_text += " (over 1.3)"
            losses += 1
        if verdict == "LOSS":
            losses += 1
        print(f"{' '.join(map(str, shape)):38} {m:2}  {mine[0]:9.2f} {mine[1]:22} {cublas}  {verdict:9} {ratio_text}   [{source}]")
    print(f"\n{losses} shortfall(s) against the M bar in these files")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
