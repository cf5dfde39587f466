#!/usr/bin/env bash
# Sixteenth session, call 8: X_WITH_W for 2 and 4 rows of x (gemv_split with MAX_M > 1, exp/*
# in registry-s16-xw.toml; the kernel change is in the working tree, not yet committed),
# verified on the edge set, then timed at M = 2 and 4 on both models beside the ring, mma and
# cuBLAS.
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s16-xw.toml
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 60 $skinny probe --backend cuda --registry $reg --shapes smoke@all \
  --shape 3,1001,1032,bias --shape 4,77,200,axpby --shape 2,1,4104 --shape 3,130,4096,f16 \
  --shape 4,1000,4104,bias --shape 2,140000,64 --shape 4,5000,1000,bias \
  --variants 'exp/*' dot/m1_xw --time-cap-ms 2 --strict --json "$OUT/edge-probe.json" >"$OUT/edge-probe.log" 2>&1
echo "edge probe: exit $?"; grep -E "^summary" "$OUT/edge-probe.log"
timeout 330 $skinny probe --backend cuda --registry $reg --shapes llama-3-8b@m2,4 qwen2.5-0.5b@m2,4 --layout nt \
  --variants 'exp/*' ring/m8_w4t2s2x3_rl ring/m8_w4t2s4x4_rl ring/m8_w2t2s2x4_rl mma/m8_k8 mma/m8_s4p mma/m8_u4 \
  cublas/gemm cublas/gemm+bias cublaslt/matmul --time-cap-ms 20 --json "$OUT/xw-probe.json" >"$OUT/xw-probe.log" 2>&1
echo "xw probe: exit $?"; grep -E "^summary" "$OUT/xw-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/xw-probe.json" 8 2>&1 | tee "$OUT/xw-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
