#!/usr/bin/env bash
# Sixteenth session, call 4: the decode-grid probes behind the dispatch rules, M = 1 with the
# thirteenth session's list and M = 8 with every M = 8 kernel that won somewhere (mma, ring).
# Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
NT="cublas/gemm cublaslt/matmul dot/m1_grid dot/m1_r4w1_xw dot/m1_r4w8_u3_xw dot/m1_r8w2_xw dot/m1_u5_xw dot/m1_u8_xw dot/m1_xw gemv/baseline_t32 mma/m8_k8 mma/m8_s4 mma/m8_u4"
# shellcheck disable=SC2086
timeout 250 $skinny probe --backend cuda --shapes decode-grid --layout nt --variants $NT --time-cap-ms 40 \
  --json "$OUT/grid-probe.json" >"$OUT/grid-probe.log" 2>&1
echo "grid probe: exit $?"; grep -E "^summary" "$OUT/grid-probe.log"
M8="cublas/gemm cublaslt/matmul mma/m8_k8 mma/m8_s4 mma/m8_s4p mma/m8_u4 mma/m16_s4 ring/m8_w4t2s2x6_rl ring/m8_w4t2s4x4_rl ring/m8_w4t2s2x3_rl ring/m8_w2t2s2x4_rl"
# shellcheck disable=SC2086
timeout 250 $skinny probe --backend cuda --shapes decode-grid@m8 --layout nt --variants $M8 --time-cap-ms 20 \
  --json "$OUT/grid-m8-probe.json" >"$OUT/grid-m8-probe.log" 2>&1
echo "grid M = 8 probe: exit $?"; grep -E "^summary" "$OUT/grid-m8-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/grid-m8-probe.json" 4 2>&1 | tee "$OUT/grid-m8-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
