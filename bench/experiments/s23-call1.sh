#!/usr/bin/env bash
# Twenty-third session, call 1: block shapes of gemv_split and gemv_mma that the registry lacks
# (registry-s23-shapes.toml), aimed at the M bar's shortfalls: verified on the edge set at every
# row count, then timed beside the registered kernels and cuBLAS on qwen2.5-0.5b at M = 1, 2, 4,
# 8, 16 and llama's 4096×14336 and 28672×4096 at M = 8 and 16.
# Build here from HEAD: cargo build --release; carry ["target/release/skinny"].
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
add="--add-registry bench/experiments/registry-s23-shapes.toml"
new="dot/m2_r8w2b8_xw dot/m2_r4w1_xw dot/m4_r8w2_xw dot/m4_r4w1_xw dot/m4_r4w1u2_xw dot/m8_* mma/m8_k16* mma/m8_k8u3 mma/m8_k8s1u4 mma/m16_k16 mma/*s4p mma/m16_u4p mma/m16_k8t2*"
# shellcheck disable=SC2086
probe_into "$OUT" edge-probe 150 $add "${EDGE_SHAPES[@]}" --variants $new --time-cap-ms 2 --strict
grep -E "incorrect|failed|error" "$OUT/edge-probe.log" | grep -v "0 incorrect" | head -20
# shellcheck disable=SC2086
probe_into "$OUT" qwen-probe 300 $add --shapes qwen2.5-0.5b@m1,2,4,8,16 --layout nt \
  --variants cublas/gemm cublas/gemm+bias cublaslt/matmul dot/m1_u5_xw dot/m1_r8w2_xw 'dot/m2_*' \
  'dot/m4_*' 'dot/m8_*' 'mma/*' ring/m8_w4t2s2x3_rl ring/m8_w2t2s2x4_rl ring/m16_w2t2s2x3_rl \
  wg/m16_s4 wg/m8_s6_b2 --time-cap-ms 20
python3 bench/tools/m_bar.py "$OUT/qwen-probe.json" 2>&1 | tee "$OUT/qwen-mbar.txt"
# shellcheck disable=SC2086
probe_into "$OUT" llama-probe 200 $add --shape 16,4096,14336 --shape 8,28672,4096 \
  --shape 16,28672,4096 --shape 1,4096,14336 --shape 1,28672,4096 \
  --variants cublas/gemm cublaslt/matmul dot/m1_u5_xw 'mma/m16*' 'mma/m8*' \
  ring/m8_w4t2s2x3_rl ring/m8_w4t2s2x6_rl ring/m16_w4t4s2x4_rl wg/m16_s4_r --time-cap-ms 20
python3 bench/tools/best_per_shape.py "$OUT/llama-probe.json" 12 2>&1 | tee "$OUT/llama-summary.txt"
pack
