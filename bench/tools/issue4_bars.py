#!/usr/bin/env python3
"""Issue 4's M = 1 performance bars, read from a re-tune's committed tables and its tune probe.

Usage: issue4_bars.py COLD_TABLE GRAPH_TABLE TUNE_PROBE [PROBE...]

COLD_TABLE and GRAPH_TABLE are `skinny dispatch` tables (…-dispatch.json, …-dispatch-graph.json),
TUNE_PROBE the probe whose ceilings (read bandwidth, sized reads) the percentages use. Each bar
prints its figure, its target, and met or MISSED, with the sized read of the same bytes beside
it where there is one (no kernel reading those bytes beats the read by more than noise). Extra
PROBE files are searched for the two bars the tables do not hold (qkv with and without bias,
128×8×512). The M bar (M = 2..16) is bench/tools/m_bar.py's, over the mbar probes.

Conventions, as the closing notes since the twenty-fifth session: a bar's figure is the best
passed skinny (non-cuBLAS) candidate's median; "model shapes" are the entries whose shape names
start with qwen2.5-0.5b/ or llama-3-8b/; a bias shape's vendor baseline is the faster of
cublas/gemm+bias and cublaslt/matmul, a plain shape's cublas/gemm.
"""
import sys

from result_files import is_vendor, load

MODELS = ("qwen2.5-0.5b/", "llama-3-8b/")
BIG_WEIGHTS = 64e6
BIG_FRACTION = 0.92
NN_RATIO = 1.15
BIAS_RATIO = 1.05
GRAPH_BAR_US = 1.6
GRAPH_FACTOR = 2.0
# (n, k, epilogue) -> µs: the fixed-time bars at M = 1, nt, gpu_cold.
COLD_BARS = {(896, 4864, "none"): 5.0, (9728, 896, "none"): 5.5, (4096, 4096, "none"): 9.5}
GRAPH_SHAPES = [(896, 896, "none"), (1152, 896, "bias")]


def best(entry, metric, vendor=False, names=None):
    """(µs, variant) of the fastest passed candidate with `metric`: skinny's, or the vendor's
    (only `names`, when given); None when there is none."""
    found = [(c["figures"][metric], c["variant"]) for c in entry["candidates"]
             if c["disposition"] == "passed" and metric in c["figures"]
             and is_vendor(c["variant"]) == vendor and (names is None or c["variant"] in names)]
    return min(found) if found else None


def baseline_names(epilogue):
    return {"cublas/gemm+bias", "cublaslt/matmul"} if epilogue == "bias" else {"cublas/gemm"}


def entries_by_key(table):
    out = {}
    for e in table["entries"]:
        k = e["key"]
        out[(k["m"], k["n"], k["k"], k["layout"], k["epilogue"])] = e
    return out


def verdict(ok):
    return "met" if ok else "MISSED"


def sized_read(ceilings, n_bytes):
    """The sized read of exactly `n_bytes`, (cold µs, graph µs), or None."""
    for s in ceilings.get("sized_reads", []):
        if s["bytes"] == n_bytes:
            return s["us"]["median"], (s.get("graph_us") or {}).get("median")
    return None


def main(cold_path, graph_path, probe_path, extra_paths):
    cold, graph = entries_by_key(load(cold_path)), entries_by_key(load(graph_path))
    ceilings = load(probe_path)["ceilings"]
    gbps = ceilings["read_bandwidth"]["gbps"]
    missed = 0
    print(f"read bandwidth {gbps:.0f} GB/s ({probe_path.split('/')[-1]})")

    def report(ok, text):
        nonlocal missed
        missed += not ok
        print(f"  {verdict(ok):6}  {text}")

    def read_note(n, k):
        r = sized_read(ceilings, 2 * n * k)
        return f"; sized read {r[0]:.2f}" if r else ""

    m1 = {key: e for key, e in cold.items() if key[0] == 1}
    print("M = 1 nt model shapes against cuBLAS (gpu_cold µs):")
    for (m, n, k, layout, epi), e in sorted(m1.items()):
        if layout != "nt" or not any(s.startswith(MODELS) for s in e["shapes"]):
            continue
        mine = best(e, "gpu_cold_us")
        theirs = [best(e, "gpu_cold_us", vendor=True, names={b}) for b in baseline_names(epi)]
        theirs = [t for t in theirs if t]
        text = f"1×{n}×{k} {epi}: {mine[0]:.2f} {mine[1]} against " + ", ".join(
            f"{t[1]} {t[0]:.2f}" for t in theirs)
        report(all(mine[0] < t[0] for t in theirs), text)

    print(f"Weights over {BIG_WEIGHTS / 1e6:.0f} MB at ≥ {BIG_FRACTION:.0%} of the read bandwidth:")
    for (m, n, k, layout, epi), e in sorted(m1.items()):
        if layout != "nt" or 2 * n * k <= BIG_WEIGHTS:
            continue
        mine = best(e, "gpu_cold_us")
        share = 2 * n * k / (mine[0] * 1e-6) / (gbps * 1e9)
        model = "model" if any(s.startswith(MODELS) for s in e["shapes"]) else "grid"
        report(share >= BIG_FRACTION, f"1×{n}×{k} ({model}): {mine[0]:.2f} {mine[1]}, "
               f"{share:.1%}{read_note(n, k)}")

    print("Fixed times (gpu_cold µs):")
    for (n, k, epi), bar in COLD_BARS.items():
        e = m1.get((1, n, k, "nt", epi))
        if e:
            mine = best(e, "gpu_cold_us")
            report(mine[0] <= bar, f"1×{n}×{k}: {mine[0]:.2f} {mine[1]} (≤ {bar}){read_note(n, k)}")

    print(f"Graph (graph_us, ≤ {GRAPH_BAR_US} and ≥ {GRAPH_FACTOR}× below cuBLAS):")
    for n, k, epi in GRAPH_SHAPES:
        e = graph.get((1, n, k, "nt", epi))
        if not e:
            continue
        mine = best(e, "graph_us")
        theirs = best(e, "graph_us", vendor=True,
                      names={"cublas/gemm+bias" if epi == "bias" else "cublas/gemm"})
        r = sized_read(ceilings, 2 * n * k)
        note = f"; sized read in a graph {r[1]:.2f}" if r and r[1] else ""
        report(mine[0] <= GRAPH_BAR_US,
               f"1×{n}×{k} {epi}: {mine[0]:.2f} {mine[1]} (≤ {GRAPH_BAR_US}){note}")
        if theirs:
            factor = theirs[0] / mine[0]
            report(factor >= GRAPH_FACTOR, f"1×{n}×{k} {epi}: {factor:.2f}× below {theirs[1]} "
                   f"{theirs[0]:.2f}")

    print(f"nn within {NN_RATIO}× of nt at M = 1 (gpu_cold µs):")
    for (m, n, k, layout, epi), e in sorted(m1.items()):
        nt = m1.get((1, n, k, "nt", epi))
        if layout != "nn" or not nt:
            continue
        a, b = best(e, "gpu_cold_us"), best(nt, "gpu_cold_us")
        report(a[0] <= NN_RATIO * b[0],
               f"1×{n}×{k} {epi}: nn {a[0]:.2f} {a[1]} / nt {b[0]:.2f} {b[1]} = {a[0] / b[0]:.3f}")

    print("Bars the tables do not hold (from the extra probes):")
    runs = {}
    for path in extra_paths:
        for run in load(path)["runs"]:
            t = (run.get("timings") or {}).get("gpu_cold_us")
            if run.get("disposition") != "passed" or not t:
                continue
            p = run["shape"]["problem"]
            key = (p["m"], p["n"], p["k"], p["layout"], p["epilogue"]["kind"])
            runs.setdefault(key, {})[run["variant"]] = t["median"]

    def fastest(key, vendor=False):
        found = [(t, v) for v, t in runs.get(key, {}).items() if is_vendor(v) == vendor]
        return min(found) if found else None

    plain, biased = fastest((1, 1152, 896, "nt", "none")), fastest((1, 1152, 896, "nt", "bias"))
    if plain and biased:
        report(biased[0] <= BIAS_RATIO * plain[0],
               f"qkv bias fused: {biased[0]:.2f} {biased[1]} with bias, {plain[0]:.2f} "
               f"{plain[1]} without, {biased[0] / plain[0]:.3f}× (≤ {BIAS_RATIO})")
    else:
        print("  -       qkv bias fused: not in these files (1×1152×896 with and without bias)")
    tiny_key = (128, 8, 512, "nt", "none")
    tiny, cublas = fastest(tiny_key), runs.get(tiny_key, {}).get("cublas/gemm")
    if tiny and cublas:
        report(tiny[0] < cublas,
               f"128×8×512: {tiny[0]:.2f} {tiny[1]} against cublas/gemm {cublas:.2f}")
    else:
        print("  -       128×8×512: not in these files")
    print(f"\n{missed} bar(s) missed in these files (the M bar: bench/tools/m_bar.py)")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
