#!/usr/bin/env bash
# Thirty-fourth session, call 1. (1) M = 1 nn builds with x by shuffles around the 4096² nn edge
# (bench/experiments/registry-s34-nn.toml): edge set on them, then one timed probe of every M = 1 nn
# shape of both models with them, the registered nn builds and cuBLAS, and one of the same shapes
# in nt with the s33 table's nt winners, for the nn/nt ratio within one call. (2) racecheck of the
# five registered XSHFL builds that ran past 20 s in s33 (one process each, side by side, in the
# time the call has left).
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s34-nn.toml)
edge_check 120 "${add[@]}" --variants 'exp/*' --layout nn
nk="896,896 1152,896,bias 896,4864 9728,896 4096,4096 6144,4096 4096,14336 28672,4096 151936,896 128256,4096"
shapes_at "1" "$nk"
SHOWN=8 timed_probe probe 200 "${add[@]}" "${shapes[@]}" --layout nn --time-cap-ms 20 \
  --variants 'gemv/nn*' 'exp/*' cublas/gemm cublaslt/matmul
SHOWN=4 timed_probe probe-nt 90 "${shapes[@]}" --time-cap-ms 20 --variants mma/c8_m1_u4_b8 \
  mma/c8_m1_u4 mma/c2_m4_w8s2_b4 mma/c2_m4_u4_b8 mma/c2_m4_u4_b8_tail mma/m8_s4_pf \
  mma/c4_m2_u4_b8 dot/m1_r8w2_xw cublas/gemm
left=$((570 - SECONDS))
echo "racecheck: $left s left"
racecheck_side_by_side "$left" 1 gemv/nn_cl16_u10_m1_xs gemv/nn_cl16_c128_m2_xs gemv/nn_cl16_m2_xs \
  gemv/nn_cl8_c128_m4_xs gemv/nn_cl16_c128_m4_xs
