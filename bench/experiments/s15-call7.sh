#!/usr/bin/env bash
# Fifteenth session, call 7 (the last few minutes of the budget): small rings (2-3 steps a warp,
# so more blocks a SM) for qwen's short rows (k = 896), where the larger rings lost to gemv_mma
# and cuBLAS: qwen lm_head at M = 2, 8, 16 and gate_up at M = 8, 16. New variants verified first.
# Apply bench/experiments/s15-mma-ring.patch first. Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s15-ring.toml
new="ring/m8_w4t2s2x3_rl ring/m8_w4t2s2x2_rl ring/m8_w8t2s2x2_rl ring/m8_w4t1s2x3_rl ring/m16_w4t2s2x2_rl ring/m16_w4t4s2x2_rl"
timeout 50 $skinny probe --backend cuda --registry $reg --shapes smoke@all \
  --shape 3,1001,1032,bias --shape 16,77,200,axpby --shape 1,1,4104 --shape 9,130,4096,f16 --shape 16,1000,4104,bias \
  --variants $new --time-cap-ms 2 --strict --json "$OUT/edge-probe.json" >"$OUT/edge-probe.log" 2>&1
echo "edge probe: exit $?"; grep -E "^summary" "$OUT/edge-probe.log"
timeout 110 $skinny probe --backend cuda --registry $reg --shape 2,151936,896 --shape 8,151936,896 \
  --shape 16,151936,896 --shape 8,9728,896 --shape 16,9728,896 \
  --variants $new ring/m8_w4t2s2x6_rl mma/m8_s4p mma/m16_s4 cublas/gemm \
  --time-cap-ms 20 --json "$OUT/short-probe.json" >"$OUT/short-probe.log" 2>&1
echo "short probe: exit $?"; grep -E "^summary" "$OUT/short-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/short-probe.json" 12 2>&1 | tee "$OUT/short-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
