#!/usr/bin/env bash
# Thirty-third session, call 2 (the sources of call 1): XSHFL builds of the other shapes the nn
# family uses (bench/experiments/registry-s33-xshfl2.toml) beside call 1's XSHFL winners and the
# registered nn builds that won a shape in call 1, at M = 1, 2 and 4 on both models' nn shapes.
# The edge set first, on the new builds.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s33-xshfl.toml
  --add-registry bench/experiments/registry-s33-xshfl2.toml)
edge_check 150 "${add[@]}" --variants 'exp2/*' --layout nn
nk="896,896 1152,896,bias 896,4864 9728,896 4096,4096 6144,4096 4096,14336 28672,4096 151936,896 128256,4096"
shapes_at "1 2 4" "$nk"
SHOWN=8 timed_probe probe 360 "${add[@]}" "${shapes[@]}" --layout nn --time-cap-ms 20 \
  --variants gemv/nn_cl8_c128_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl8 gemv/nn_cl16_c128_m2 \
  gemv/nn_cl16_m2 exp/m1_c128_u12_xs3 exp/m2_c128_u8_xs3 exp/m2_c128_u4_xs4 exp/m2_c64_u8_xs3 \
  exp/m4_c128_u4_xs3 exp/m4_c64_u4_xs3 'exp2/*' cublas/gemm cublaslt/matmul
