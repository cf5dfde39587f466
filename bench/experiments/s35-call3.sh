#!/usr/bin/env bash
# Thirty-fifth session, call 3: warp counts that put each warp's steps of a row in one DRAM round
# trip (bench/experiments/registry-s35-trips.toml; no source change, digest d0d3da71): the edge
# set on the new builds, then timed probes beside the registered winners and cuBLAS at M = 1, 2
# (896×4864 and three llama shapes), M = 4, 8 (896×4864, 4096²) and M = 16 (qwen's k = 896
# shapes and 896×4864).
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s35-trips.toml)
edge_check 150 "${add[@]}" --variants 'exp/*'
shapes_at "1 2" "896,4864 4096,4096 6144,4096 4096,14336"
SHOWN=8 timed_probe probe-m1-2 150 "${add[@]}" "${shapes[@]}" --time-cap-ms 20 \
  --variants 'exp/c8_*' mma/c8_m1_u4 mma/c8_m1_u4_b8 dot/m1_u5_xw dot/m1_xw mma/c8_m2_u2p \
  mma/c4_m2_u4_b8 mma/c2_m4_u4_b8_tail cublas/gemm cublaslt/matmul
shapes_at "4 8" "896,4864 4096,4096"
SHOWN=8 timed_probe probe-m4-8 120 "${add[@]}" "${shapes[@]}" --time-cap-ms 20 \
  --variants 'exp/c2_*' mma/c2_m4_w8s2_b4 mma/c2_m4_u4_b8 mma/c2_m4_u4_b8_tail mma/c2_m8_w8s4 \
  mma/c2_m8_w8t2u4_b2 mma/c8_m1_u4_b8 cublas/gemm cublaslt/matmul
shapes_at "16" "9728,896 896,896 1152,896,bias 151936,896 896,4864"
SHOWN=8 timed_probe probe-m16 200 "${add[@]}" "${shapes[@]}" --time-cap-ms 20 \
  --variants 'exp/m16_*' mma/m16_t2s2_b4_pf mma/m16_t2u4_tail_b3_pf mma/m16_t2s4p_pf \
  mma/c2x2_w8t1u4_b2 mma/c2x2_w4t2u2_b4_pf wg/m16_s8p_b2 wg/m16_s4 \
  cublas/gemm cublas/gemm+bias cublaslt/matmul
