#!/usr/bin/env bash
# Eleventh session, call 1: single-wave, whole-W-early blocks (bench/experiments/
# registry-s11-waves.toml) for qwen's products under PDL. The M = 1 nt probe of qwen with them,
# the chain search from cuBLAS on that registry, and qwen with the tenth session's chain table
# on the embedded registry in the same run. Carry ["target/release/skinny"]; everything in $OUT.
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s11-waves.toml
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 150 $skinny probe --backend cuda --registry $reg --shapes qwen2.5-0.5b@m1 --layout nt \
  --variants 'exp/*' dot/m1_r4w1_xw dot/m1_r4_xw dot/m1_u5_xw gemv/baseline_t32 mma/m8_s4 cublas/gemm \
  --time-cap-ms 40 --json "$OUT/probe-exp.json" >"$OUT/probe-exp.log" 2>&1
echo "probe: exit $?"
timeout 240 $skinny decode --model qwen2.5-0.5b --registry $reg --tune-chain \
  --chain-variants 'cublas*' gemv/baseline_t32 'dot/m1_r4*' dot/m1_u5_xw dot/m1_w1 dot/m1_r2w1_xw 'exp/*' \
  --write-table "$OUT/chain-exp.json" --json "$OUT/decode-chain-exp.json" >"$OUT/decode-chain-exp.log" 2>&1
echo "decode --tune-chain (exp registry): exit $?"
grep -vE ": (filling|planning|timing|checking|measuring|[0-9]+ chains timed)" "$OUT/decode-chain-exp.log" | tail -42
timeout 90 $skinny decode --model qwen2.5-0.5b --table bench/results/h200-2026-11-21-s10-dispatch-chain.json \
  --json "$OUT/decode-base.json" >"$OUT/decode-base.log" 2>&1
echo "decode (s10 chain table): exit $?"
grep -E "floor|skinny-graph|cublas-graph|read chain" "$OUT/decode-base.log" | tail -6
python3 - "$OUT/probe-exp.json" <<'PY' 2>&1 | tail -70
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["runs"]:
    p = r["shape"]["problem"]
    t = {k: round(v["median"], 2) for k, v in (r.get("timings") or {}).items() if v}
    print(f'{p["n"]}x{p["k"]} {p["epilogue"]["kind"]} {r["variant"]} {r["disposition"]} {t}')
PY
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
