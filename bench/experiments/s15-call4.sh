#!/usr/bin/env bash
# Fifteenth session, call 4: gemv_mma_ring with LINES (W copied row-major: 4 rows × 128 bytes,
# whole L2 lines, a copy instruction, where the fragment order asks 8 rows × 64 bytes), beside
# the best call-2 ring variants, gemv_mma, dot/m1_xw and cuBLAS. Verification first (--strict).
# Apply bench/experiments/s15-mma-ring.patch first. Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s15-ring.toml
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 100 $skinny probe --backend cuda --registry $reg --shapes smoke@all \
  --shape 3,1001,1032,bias --shape 16,77,200,axpby --shape 5,8,8 --shape 1,1,4104 \
  --shape 9,130,4096,f16 --shape 2,140000,64 --shape 8,896,4864,f16,bias --shape 16,1000,4104,bias \
  --variants 'ring/*l' --time-cap-ms 5 --strict --json "$OUT/edge-probe.json" >"$OUT/edge-probe.log" 2>&1
echo "edge probe: exit $?"; grep -E "^summary|incorrect|failed" "$OUT/edge-probe.log" | head -8
timeout 240 $skinny probe --backend cuda --registry $reg --shape 1,28672,4096 --shape 8,28672,4096 \
  --shape 16,28672,4096 --shape 8,4096,14336 --shape 8,4096,4096 --shape 8,128256,4096 \
  --variants 'ring/*l' ring/m8_w4t2s2x6_r ring/m8_w8t1s2x6_r ring/m8_w4t4s2x4_r ring/m16_w4t2s2x4 \
    mma/m8_k8 mma/m8_s4p mma/m16_s4 cublas/gemm dot/m1_xw \
  --time-cap-ms 30 --json "$OUT/lines-probe.json" >"$OUT/lines-probe.log" 2>&1
echo "lines probe: exit $?"; grep -E "^summary" "$OUT/lines-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/lines-probe.json" 40 2>&1 | tee "$OUT/lines-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
