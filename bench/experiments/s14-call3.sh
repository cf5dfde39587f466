#!/usr/bin/env bash
# Fourteenth session, call 3: where issue 4's M bar stands at every row count it names, with the
# embedded registry (no experiment): qwen and llama at M = 2, 4 and 16, every variant that takes
# more than one row of x, beside cuBLAS. Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 500 $skinny probe --backend cuda --shapes qwen2.5-0.5b@m2,4,16 llama-3-8b@m2,4,16 --layout nt \
  --variants 'mma/*' 'gemv/multirow*' cublas/gemm --time-cap-ms 30 --json "$OUT/m-bar-probe.json" >"$OUT/m-bar-probe.log" 2>&1
echo "M-bar probe: exit $?"; grep -E "^summary" "$OUT/m-bar-probe.log"
python3 - "$OUT/m-bar-probe.json" <<'PY' 2>&1 | tee "$OUT/m-bar-summary.txt"
import json, sys, collections
d = json.load(open(sys.argv[1]))
print("read bandwidth", round(d["ceilings"]["read_bandwidth"]["gbps"], 1))
best = collections.defaultdict(dict)
for r in d["runs"]:
    t = r.get("timings") or {}
    if "gpu_cold_us" not in t:
        continue
    p = r["shape"]["problem"]
    kind = "cublas" if r["variant"].startswith("cublas") else "skinny"
    c = t["gpu_cold_us"]["median"]
    key = (p["m"], p["n"], p["k"])
    if kind not in best[key] or c < best[key][kind][0]:
        best[key][kind] = (c, r["variant"])
for key in sorted(best):
    b = best[key]
    s, v = b.get("skinny", (float("nan"), "-")), b.get("cublas", (float("nan"), "-"))
    print(key, f"skinny {s[0]:.2f} ({s[1]})", f"cublas {v[0]:.2f}", "WIN" if s[0] < v[0] else "loss")
PY
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
