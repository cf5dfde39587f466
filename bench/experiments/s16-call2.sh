#!/usr/bin/env bash
# Sixteenth session, call 2: ring shapes that share qwen's 14 steps of 64 k evenly between warps
# (2, 7, 14), verified then timed on qwen's short rows at m = 2, 8, 16; the xres/* variants again
# with their grid cut to the blocks a SM holds (call 1 ran whole walks in a last wave).
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s16-short.toml
new="ring/m8_w2t2s2x4_rl ring/m8_w7t2s2x3_rl ring/m8_w2t1s2x6_rl ring/m8_w14t1s2x2_rl ring/m16_w2t2s2x3_rl ring/m16_w7t2s2x2_rl ring/m16_w14t1s2x2_rl"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 60 $skinny probe --backend cuda --registry $reg --shapes smoke@all \
  --shape 3,1001,1032,bias --shape 16,77,200,axpby --shape 1,1,4104 --shape 9,130,4096,f16 \
  --shape 16,1000,4104,bias --shape 2,140000,64 --shape 16,5000,1000,bias \
  --variants $new --time-cap-ms 2 --strict --json "$OUT/edge-probe.json" >"$OUT/edge-probe.log" 2>&1
echo "edge probe: exit $?"; grep -E "^summary" "$OUT/edge-probe.log"
timeout 200 $skinny probe --backend cuda --registry $reg --shape 2,151936,896 --shape 8,151936,896 \
  --shape 16,151936,896 --shape 2,9728,896 --shape 8,9728,896 --shape 16,9728,896 \
  --variants $new ring/m8_w4t2s2x3_rl ring/m16_w4t2s2x2_rl xres/m16_w4t2s2x3 xres/m8_w4t2s2x3 mma/m8_k8 mma/m16_s4 cublas/gemm \
  --time-cap-ms 20 --json "$OUT/short-probe.json" >"$OUT/short-probe.log" 2>&1
echo "short probe: exit $?"; grep -E "^summary" "$OUT/short-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/short-probe.json" 16 2>&1 | tee "$OUT/short-summary.txt"
timeout 150 $skinny probe --backend cuda --shape 8,28672,4096 --shape 16,28672,4096 --shape 16,128256,4096 \
  --variants 'xres/*' ring/m8_w4t2s4x4_rl ring/m16_w4t4s2x4_rl mma/m16_s4 cublas/gemm \
  --time-cap-ms 20 --json "$OUT/xres-probe.json" >"$OUT/xres-probe.log" 2>&1
echo "xres probe: exit $?"; grep -E "^summary" "$OUT/xres-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/xres-probe.json" 16 2>&1 | tee "$OUT/xres-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
