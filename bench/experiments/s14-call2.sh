#!/usr/bin/env bash
# Fourteenth session, call 2: gemv_mma_rows with x staged in shared memory (XSMEM) and the next run's W first (PIPE),
# (apply bench/experiments/s14-mma-rows.patch first), from the experiment registry bench/experiments/registry-s14-rows.toml (the embedded registry
# is unchanged). Carry ["target/release/skinny"].
# 1. Edge shapes (verification): n not a multiple of 8, k not a multiple of 256 (partial runs),
#    k = 8, n = 1, n > 2^17, m = 3, 9, 16, bias, axpby, f16.
# 2. Timing: llama at M = 1, qwen and llama at M = 8 and 16, beside gemv_mma and cuBLAS.
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s14-rows.toml
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 150 $skinny probe --backend cuda --registry $reg --shapes smoke@all \
  --shape 3,1001,1032,bias --shape 16,77,200,axpby --shape 5,8,8 --shape 1,1,4104 \
  --shape 9,130,4096,f16 --shape 2,140000,64 --shape 8,896,4864,f16,bias \
  --variants 'exp/rows_*_x*' 'exp/rows_*_p' --time-cap-ms 5 --strict --json "$OUT/edge-probe.json" >"$OUT/edge-probe.log" 2>&1
echo "edge probe: exit $?"; grep -E "^summary|FAIL|incorrect|failed" "$OUT/edge-probe.log" | head -8
timeout 420 $skinny probe --backend cuda --registry $reg --shapes llama-3-8b@m1,8,16 qwen2.5-0.5b@m8,16 --layout nt \
  --variants 'exp/rows_*_x*' 'exp/rows_*_p' exp/rows_m8_w4t2u1 mma/m8_k8 mma/m8_s4p mma/m16_s4 cublas/gemm dot/m1_xw \
  --time-cap-ms 40 --json "$OUT/rows-probe.json" >"$OUT/rows-probe.log" 2>&1
echo "rows probe: exit $?"; grep -E "^summary" "$OUT/rows-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/rows-probe.json" 2>&1 | tee "$OUT/rows-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
