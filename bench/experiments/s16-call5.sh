#!/usr/bin/env bash
# Sixteenth session, calls 5 and 6: the issue-4 M bar and the tables' M > 1 rows, one model a
# call (MODEL=llama-3-8b, then qwen2.5-0.5b): M = 1, 2, 4, 8, 16 in one run, with the best M = 1
# kernels, every M > 1 kernel that won somewhere (mma, ring, xres) and the three cuBLAS baselines.
# Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
model=${MODEL:-llama-3-8b}
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
V="cublas/gemm cublas/gemm+bias cublaslt/matmul dot/m1_xw dot/m1_u5_xw dot/m1_r8w2_xw dot/m1_r4w1_xw gemv/baseline_t32 mma/m8_k8 mma/m8_s4p mma/m8_u4 mma/m16_s4 mma/m16_k8 ring/* xres/*"
# shellcheck disable=SC2086
timeout "${PROBE_S:-520}" $skinny probe --backend cuda --shapes "$model@m1,2,4,8,16" --layout nt --variants $V \
  --time-cap-ms 20 --json "$OUT/mbar-probe.json" >"$OUT/mbar-probe.log" 2>&1
echo "M-bar probe $model: exit $?"; grep -E "^summary" "$OUT/mbar-probe.log"
python3 bench/tools/m_bar.py "$OUT/mbar-probe.json" 2>&1 | tee "$OUT/mbar-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
