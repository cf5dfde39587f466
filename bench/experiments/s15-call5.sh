#!/usr/bin/env bash
# Fifteenth session, call 5: more shapes of the ring with LINES + ROTATE (wider steps, 4 and 8
# tiles, 8 warps) on the shapes where skinny still lost to cuBLAS at M = 8 and 16 (llama gate_up,
# down, lm_head at 16; qwen gate_up and lm_head at 16), and llama gate_up at M = 1. New variants
# verified first (--strict).
# Apply bench/experiments/s15-mma-ring.patch first. Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s15-ring.toml
new="ring/m8_w8t2s2x4_rl ring/m8_w2t2s8x4_rl ring/m8_w4t4s4x3_rl ring/m8_w4t2s2x8_rl ring/m8_w4t1s8x3_rl ring/m16_w4t4s4x3_rl ring/m16_w4t4s2x6_rl ring/m16_w4t8s2x3_rl"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 90 $skinny probe --backend cuda --registry $reg --shapes smoke@all \
  --shape 3,1001,1032,bias --shape 16,77,200,axpby --shape 5,8,8 --shape 1,1,4104 \
  --shape 9,130,4096,f16 --shape 2,140000,64 --shape 8,896,4864,f16,bias --shape 16,1000,4104,bias \
  --variants $new --time-cap-ms 5 --strict --json "$OUT/edge-probe.json" >"$OUT/edge-probe.log" 2>&1
echo "edge probe: exit $?"; grep -E "^summary|incorrect|failed" "$OUT/edge-probe.log" | head -8
timeout 240 $skinny probe --backend cuda --registry $reg --shape 1,28672,4096 --shape 8,28672,4096 \
  --shape 16,28672,4096 --shape 16,4096,14336 --shape 16,128256,4096 --shape 16,9728,896 --shape 16,151936,896 \
  --variants $new ring/m8_w4t2s2x6_rl ring/m8_w4t2s4x4_rl ring/m16_w4t4s2x4_rl ring/m16_w4t2s2x4_rl \
    mma/m8_k8 mma/m16_s4 mma/m16_k8 cublas/gemm \
  --time-cap-ms 30 --json "$OUT/more-probe.json" >"$OUT/more-probe.log" 2>&1
echo "more probe: exit $?"; grep -E "^summary" "$OUT/more-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/more-probe.json" 40 2>&1 | tee "$OUT/more-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
