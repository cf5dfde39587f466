#!/usr/bin/env python3
"""PyTorch's F.linear measured the way `skinny probe` measures its variants, written in skinny's
result schema (`skinny.probe`, version 1) so that `skinny report` shows it beside skinny and cuBLAS.

Same shapes: taken from a skinny result file (`--shapes-from probe.json`), so the shape records
are identical. Same measurement contract (DESIGN.md):
  gpu_cold_us       CUDA events around calls queued behind torch.cuda._sleep, rotating among
                    weight copies that together exceed 3x the L2, so weights come from HBM
  gpu_hot_us        the same on one weight copy
  host_roundtrip_us host clock, one call then torch.cuda.synchronize()
  host_submit_us    host clock of enqueuing one call (batches of 32)
  graph_us          per call of a CUDA graph of the rotating calls, replayed
each sampled until the interquartile range is within 0.5 % of the median or a time cap.
Correctness first: each output is compared with a float64 reference (relative Frobenius error and
every element, with skinny's bounds); a failing shape is recorded `incorrect` and not timed.
F.linear allocates its output; a NaN tensor of the same size is freed just before the checked
call, so that an output the kernel did not write shows as NaN.

Run on a GPU machine beside the probe (README, "Peers"):
  skinny probe --backend cuda --shapes qwen2.5-0.5b llama-3-8b --json probe.json
  python3 bench/peers/torch_linear.py --shapes-from probe.json --json torch.json
  skinny report probe.json torch.json --html report.html --markdown report.md
"""

import argparse
import datetime
import gzip
import json
import math
import os
import platform
import socket
import statistics
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

VARIANT = "torch/linear"
DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}
# skinny's per-dtype bounds (crates/skinny/src/reference.rs).
TOLERANCE = {
    "bf16": (1e-2, 2.0 ** -7),
    "f16": (2e-3, 2.0 ** -9),
    "f32": (1e-4, 1e-4),
}
SUBMIT_BATCH = 32
MAX_BATCH = 256
MIN_BATCH_GPU_US = 200.0


def read_json(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def percentile(sorted_values, p):
    """The estimate skinny's statistics crate (statrs) uses, R-8: rank (n + 1/3)·p + 1/3, so that
    quartiles, the stopping rule and `skinny compare` agree across the two tools."""
    n = len(sorted_values)
    if n == 1:
        return sorted_values[0]
    h = (n + 1.0 / 3.0) * (p / 100.0) + 1.0 / 3.0
    if h <= 1:
        return sorted_values[0]
    if h >= n:
        return sorted_values[-1]
    lo = math.floor(h)
    return sorted_values[lo - 1] + (h - lo) * (sorted_values[lo] - sorted_values[lo - 1])


def stats(values, cap_hit):
    s = sorted(values)
    median = statistics.median(s)
    p25, p75 = percentile(s, 25), percentile(s, 75)
    return {
        "median": median,
        "min": s[0],
        "max": s[-1],
        "mean": statistics.fmean(s),
        "p25": p25,
        "p75": p75,
        "rel_spread": (p75 - p25) / median if median > 0 else None,
        "samples": len(values),
        "cap_hit": cap_hit,
        "values": values,
    }


def spread(values):
    s = sorted(values)
    median = statistics.median(s)
    return (percentile(s, 75) - percentile(s, 25)) / median if median > 0 else math.inf


def sample_until_stable(rule, take):
    """skinny's stopping rule: warm up, then sample until the spread target or the time cap."""
    start = time.perf_counter()
    while True:
        take()
        if time.perf_counter() - start >= rule["warmup"]:
            break
    values = []
    start = time.perf_counter()
    next_check = max(rule["min_samples"], 1)
    while True:
        values.append(take())
        n = len(values)
        if n >= rule["max_samples"]:
            return stats(values, False)
        if n >= next_check:
            next_check = n + max(n // 16, 1)
            if spread(values) <= rule["spread_target"]:
                return stats(values, False)
        if time.perf_counter() - start >= rule["time_cap"] and n >= 3:
            return stats(values, True)


def compare(y, reference, dtype):
    """skinny's check: relative Frobenius error and every element within elem_rtol of
    max(|ref|, rms)."""
    frob_bound, elem_rtol = TOLERANCE[dtype]
    y = y.double().flatten()
    ref = reference.flatten()
    finite = torch.isfinite(y)
    nan_count = int((~finite).sum())
    rms = float(ref.pow(2).mean().sqrt())
    floor = max(rms, sys.float_info.min)
    diff = (y - ref).abs()
    ratio = diff / (elem_rtol * torch.clamp(ref.abs(), min=floor))
    ratio = torch.where(finite, ratio, torch.full_like(ratio, math.inf))
    worst = int(torch.argmax(ratio)) if ratio.numel() else 0
    ref_sq = float(ref.pow(2).sum())
    err_sq = float(diff[finite].pow(2).sum())
    rel = (
        math.nan
        if nan_count
        else (math.sqrt(err_sq / ref_sq) if ref_sq > 0 else math.sqrt(err_sq))
    )
    worst_ratio = float(ratio[worst]) if ratio.numel() else 0.0
    n = reference.shape[-1]
    passed = nan_count == 0 and rel <= frob_bound and worst_ratio <= 1.0
    json_float = lambda v: None if (v is None or math.isnan(v) or math.isinf(v)) else v
    return {
        "rel_frobenius": json_float(rel),
        "max_abs_error": float(diff[finite].max()) if bool(finite.any()) else 0.0,
        "worst_element": [worst // n, worst % n],
        "worst_ratio": json_float(worst_ratio),
        "nan_count": nan_count,
        "tolerance": {"rel_frobenius": frob_bound, "elem_rtol": elem_rtol},
        "passed": passed,
    }


def problem_bytes(p):
    elem = {"bf16": 2, "f16": 2, "f32": 4}[p["dtype"]]
    m, n, k = p["m"], p["n"], p["k"]
    moved = (n * k + m * k + m * n) * elem
    kind = p["epilogue"]["kind"]
    if kind == "bias":
        moved += n * elem
    if kind == "axpby" and p["epilogue"].get("beta", 0.0) != 0.0:
        moved += m * n * elem
    return moved, 2 * m * n * k


def clock_hz():
    try:
        return torch.cuda.clock_rate() * 1e6  # MHz, when pynvml is there
    except Exception:
        return 2.0e9


def measure_shape(shape, rule, l2_bytes, seed, read_gbps):
    p = shape["problem"]
    m, n, k = p["m"], p["n"], p["k"]
    kind = p["epilogue"]["kind"]
    record = failed_record(shape, seed, None)
    bytes_moved = record["bytes_moved"]
    if p["layout"] != "nt" or kind == "axpby":
        return None, (
            "F.linear takes W as [n, k] (nt) and has no accumulate (axpby) epilogue"
        )
    dtype = DTYPES[p["dtype"]]
    gen = torch.Generator(device="cuda").manual_seed(seed)
    x = (torch.rand(m, k, device="cuda", generator=gen) * 2 - 1).to(dtype)
    w = (torch.rand(n, k, device="cuda", generator=gen) * 2 - 1).to(dtype)
    bias = (torch.rand(n, device="cuda", generator=gen) * 2 - 1).to(dtype) if kind == "bias" else None

    # The checked call: poison first (a freed NaN block of the output's size is what the
    # caching allocator hands out next), then compare with float64.
    poison = torch.full((m, n), float("nan"), device="cuda", dtype=dtype)
    del poison
    y = F.linear(x, w, bias)
    torch.cuda.synchronize()
    reference = x.double() @ w.double().t()
    if bias is not None:
        reference = reference + bias.double()
    record["error"] = compare(y, reference, p["dtype"])
    if not record["error"]["passed"]:
        record["disposition"] = "incorrect"
        return record, None

    weight_bytes = w.numel() * w.element_size()
    copies = max(1, min(4096, (3 * l2_bytes) // max(weight_bytes, 1) + 2))
    weights = [w] + [w.clone() for _ in range(copies - 1)]
    state = {"next": 0}

    def rotate():
        c = state["next"]
        state["next"] = (c + 1) % copies
        return weights[c]

    def call(weight):
        return F.linear(x, weight, bias)

    for _ in range(3):
        call(rotate())
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(20):
        call(rotate())
    end.record()
    end.synchronize()
    estimate_us = max(start.elapsed_time(end) * 1e3 / 20, 0.5)

    def submit():
        t = time.perf_counter()
        for _ in range(SUBMIT_BATCH):
            call(rotate())
        us = (time.perf_counter() - t) * 1e6 / SUBMIT_BATCH
        torch.cuda.synchronize()
        return us

    timings = {"host_submit_us": sample_until_stable(rule, submit)}
    submit_us = timings["host_submit_us"]["median"]
    hz = clock_hz()

    def queued(batch, pick):
        sleep_us = [batch * submit_us * 1.5 + 50.0]

        def take():
            for _ in range(6):
                torch.cuda._sleep(int(sleep_us[0] * 1e-6 * hz))
                s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                s.record()
                for _ in range(batch):
                    call(pick())
                e.record()
                ahead = not s.query()  # the sleep outlasted the enqueueing
                e.synchronize()
                if ahead:
                    return s.elapsed_time(e) * 1e3 / batch
                sleep_us[0] *= 2
            raise RuntimeError("the host could not queue the batch within the sleep")

        return take

    cold_batch = min(max(copies, math.ceil(MIN_BATCH_GPU_US / estimate_us)), MAX_BATCH)
    timings["gpu_cold_us"] = sample_until_stable(rule, queued(cold_batch, rotate))
    hot_batch = min(max(math.ceil(MIN_BATCH_GPU_US / estimate_us), 8), MAX_BATCH)
    timings["gpu_hot_us"] = sample_until_stable(rule, queued(hot_batch, lambda: w))

    def roundtrip():
        weight = rotate()
        t = time.perf_counter()
        call(weight)
        torch.cuda.synchronize()
        return (time.perf_counter() - t) * 1e6

    timings["host_roundtrip_us"] = sample_until_stable(rule, roundtrip)

    graph_calls = cold_batch
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for i in range(3):  # warm up on the side stream, as CUDA graphs require
            call(weights[i % copies])
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        outs = [call(weights[i % copies]) for i in range(graph_calls)]

    def replay():
        torch.cuda._sleep(int(50e-6 * hz))
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        graph.replay()
        e.record()
        e.synchronize()
        return s.elapsed_time(e) * 1e3 / graph_calls

    timings["graph_us"] = sample_until_stable(rule, replay)
    del outs, graph, weights

    record["disposition"] = "passed"
    record["timings"] = timings
    cold = timings["gpu_cold_us"]["median"]
    record["gbps"] = bytes_moved / (cold * 1e3)
    if read_gbps:
        record["pct_roofline"] = 100.0 * record["gbps"] / read_gbps
    return record, None


def failed_record(shape, seed, message):
    bytes_moved, flops = problem_bytes(shape["problem"])
    return {
        "shape": shape, "variant": VARIANT, "kernel": "torch.nn.functional.linear",
        "params": {}, "disposition": "failed", "seed": seed, "error": None,
        "failure": message, "bytes_moved": bytes_moved, "flops": flops,
        "timings": {}, "gbps": None, "pct_roofline": None,
    }


def read_bandwidth(rule):
    """Read bandwidth as PyTorch reaches it: a sum over a 4 GiB float32 tensor reads every byte
    once. (A sum of int32 into int64 measured 771 GB/s on the H200, 2026-11-21: not a ceiling.
    `skinny report` takes the best ceiling any file measured on the device.)"""
    buf = torch.ones(1 << 30, dtype=torch.float32, device="cuda")
    nbytes = buf.numel() * 4

    def take():
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        buf.sum()
        e.record()
        e.synchronize()
        return nbytes / (s.elapsed_time(e) * 1e-3) / 1e9

    st = sample_until_stable(rule, take)
    del buf
    return {"gbps": st["median"], "buffer_bytes": nbytes, "stats": st}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes-from", required=True, help="a skinny result file whose shapes to run")
    ap.add_argument("--json", required=True, help="where to write the result file")
    ap.add_argument("--time-cap-ms", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=0x5EED0F5C1D)
    args = ap.parse_args()
    if args.seed < 0 or args.time_cap_ms <= 0:
        ap.error("--seed must be at least 0 and --time-cap-ms positive")
    # The output is checked before any measuring, as `skinny probe` does.
    target = os.path.abspath(args.json)
    if os.path.isdir(target) or not os.access(os.path.dirname(target), os.W_OK):
        ap.error(f"cannot write results to {args.json}")

    source = read_json(args.shapes_from)
    shapes = source["shapes"]
    rule = {
        "warmup": 0.03,
        "spread_target": 0.005,
        "min_samples": 10,
        "max_samples": 10000,
        "time_cap": args.time_cap_ms / 1e3,
    }
    props = torch.cuda.get_device_properties(0)
    l2_bytes = getattr(props, "L2_cache_size", 60 << 20)
    bandwidth = read_bandwidth(rule)

    runs, gaps = [], []
    for i, shape in enumerate(shapes):
        try:
            record, reason = measure_shape(shape, rule, l2_bytes, args.seed + i, bandwidth["gbps"])
        except Exception as e:  # one shape's failure is that run's `failed` row, as in skinny
            record, reason = failed_record(shape, args.seed + i, f"{type(e).__name__}: {e}"), None
        if record is None:
            gaps.append({"shape": shape, "variant": VARIANT, "disposition": "not_supported", "reasons": [reason]})
        else:
            runs.append(record)
            cold = record["timings"].get("gpu_cold_us", {}).get("median")
            print(f"{shape['set']}/{shape['name']}: {record['disposition']}"
                  + (f" {cold:.2f} us" if cold else ""), flush=True)
        torch.cuda.empty_cache()

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = {
        "schema": "skinny.probe",
        "schema_version": 1,
        "skinny_version": source.get("skinny_version", "peer"),
        "created": now,
        "command_line": sys.argv,
        "backend": {"kind": "cuda", "requested": "cuda", "reason": f"PyTorch {torch.__version__} peer script"},
        "environment": {
            "host": {
                "hostname": socket.gethostname(),
                "os": platform.platform(),
                "arch": platform.machine(),
                "cpu_model": platform.processor() or "unknown",
                "logical_cores": os.cpu_count() or 1,
                "last_level_cache_bytes": None,
            },
            "device": {
                "backend": "cuda",
                "name": torch.cuda.get_device_name(0),
                "details": {
                    "compute_capability": "%d.%d" % torch.cuda.get_device_capability(0),
                    "sms": str(props.multi_processor_count),
                    "l2_bytes": str(l2_bytes),
                    "torch_version": torch.__version__,
                    "torch_cuda_version": str(torch.version.cuda),
                },
            },
        },
        "settings": {"rule": rule, "seed": args.seed},
        "registry": "bench/peers/torch_linear.py",
        "shapes": shapes,
        "ceilings": {
            "read_bandwidth": bandwidth,
            "empty_roundtrip_us": None,
            "graph_node_us": None,
            "notes": ["read bandwidth: torch.sum over a 4 GiB float32 tensor"],
        },
        "runs": runs,
        "gaps": gaps,
        "skipped_variants": [],
        "stopped_early": None,
    }
    # Atomically: a temporary file beside the target, then a rename; NaN refused (skinny's
    # reader would refuse the file).
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(report, f, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
