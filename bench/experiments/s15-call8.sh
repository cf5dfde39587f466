#!/usr/bin/env bash
# Fifteenth session, call 8: small rings at M = 16 and on llama gate_up (2-4 steps a warp,
# so more blocks a SM), after call 7 found them best on qwen at M = 2 and 8.
# New variants verified first.
# Apply bench/experiments/s15-mma-ring.patch first. Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s15-ring.toml
new="ring/m8_w4t2s2x4_rl ring/m8_w8t2s2x3_rl ring/m16_w4t2s2x3_rl ring/m16_w8t2s2x2_rl"
timeout 50 $skinny probe --backend cuda --registry $reg --shapes smoke@all \
  --shape 3,1001,1032,bias --shape 16,77,200,axpby --shape 1,1,4104 --shape 9,130,4096,f16 --shape 16,1000,4104,bias \
  --variants $new --time-cap-ms 2 --strict --json "$OUT/edge-probe.json" >"$OUT/edge-probe.log" 2>&1
echo "edge probe: exit $?"; grep -E "^summary" "$OUT/edge-probe.log"
timeout 110 $skinny probe --backend cuda --registry $reg --shape 8,28672,4096 --shape 16,28672,4096 \
  --shape 16,151936,896 --shape 16,9728,896 --shape 16,4096,4096 \
  --variants $new ring/m8_w4t2s2x3_rl ring/m8_w4t2s2x6_rl ring/m16_w4t2s2x2_rl ring/m16_w4t4s2x4_rl mma/m16_s4 cublas/gemm \
  --time-cap-ms 20 --json "$OUT/small-probe.json" >"$OUT/small-probe.log" 2>&1
echo "small probe: exit $?"; grep -E "^summary" "$OUT/small-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/small-probe.json" 12 2>&1 | tee "$OUT/small-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
