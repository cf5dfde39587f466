#!/usr/bin/env bash
# Thirty-fourth session, call 3 (sources with bench/experiments/s34-xpass.patch, in commit 1dd119d): neighbours of call
# 2's XPASS winners at M = 16 and CHUNKS = 4 with two passes at M ≤ 8
# (bench/experiments/registry-s34-xpass2.toml, beside call 2's registry-s34-xpass.toml): the edge set
# on the new builds, then timed probes at M = 16 and at M = 8 on both models' nt shapes and three grid
# shapes, beside the registered winners of each M and cuBLAS.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s34-xpass.toml
  --add-registry bench/experiments/registry-s34-xpass2.toml)
edge_check 150 "${add[@]}" --variants 'exp2/*'
nk="896,896 1152,896,bias 896,4864 9728,896 4096,4096 6144,4096 4096,14336 28672,4096 151936,896 128256,4096 1024,8192 16384,8192 65536,2048"
winners="exp/c2x2_w8t1u4_b2 exp/c2x2_w4t2u2_b4 exp/c2x2_w4t2u3_b4 exp/c2x2_w4t4u2_b2"
shapes_at "16" "$nk"
SHOWN=8 timed_probe probe-m16 200 "${add[@]}" "${shapes[@]}" --time-cap-ms 20 \
  --variants $winners 'exp2/c2x2_*' wg/m16_r2s4p_r wg/m16_s4p_r wg/m16_s8p_b2 mma/m16_t2s4p_pf \
  mma/m16_l8t2 mma/m16_t2s2_b4_pf mma/m16_k16_pf mma/m16_t2u4_tail_b3_pf cublas/gemm cublaslt/matmul
shapes_at "8" "$nk"
SHOWN=8 timed_probe probe-m8 180 "${add[@]}" "${shapes[@]}" --time-cap-ms 20 \
  --variants $winners 'exp2/c4x2_*' mma/c2_m8_w8t2u4_b2 mma/c2_m8_t2u4_b4 mma/c2_m8_w8s4 \
  mma/m8_s4_pf mma/m8_s4p_pf mma/m8_l8 mma/m16_t2s2_b4_pf cublas/gemm cublaslt/matmul
