#!/usr/bin/env bash
# Thirty-third session, call 1 (HEAD's sources with gemv_nn.cu's XSHFL and MIN_BLOCKS, and
# s32-adopt.patch's five builds registered): nn builds with more rows of W in flight at three
# blocks a SM (bench/experiments/registry-s33-xshfl.toml), beside the registered nn builds and
# cuBLAS, at M = 1, 2 and 4 on both models' nn shapes, lm_heads included. The edge set first, on
# the new builds and on every registered nn build (gemv_nn.cu's epilogue changed).
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s33-xshfl.toml)
edge_check 200 "${add[@]}" --variants 'exp/*' 'gemv/nn*' --layout nn
nk="896,896 1152,896,bias 896,4864 9728,896 4096,4096 6144,4096 4096,14336 28672,4096 151936,896 128256,4096"
shapes_at "1 2 4" "$nk"
SHOWN=8 timed_probe probe 330 "${add[@]}" "${shapes[@]}" --layout nn --time-cap-ms 20 \
  --variants gemv/nn_cl8_c128_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl8 gemv/nn_cl8_c128_m2 \
  gemv/nn_cl16_c128_m2 gemv/nn_cl16_m2 gemv/nn_cl8_c128_m4_u3 gemv/nn_cl16_m4_u2 'exp/*' \
  cublas/gemm cublaslt/matmul
