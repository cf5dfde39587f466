#!/usr/bin/env bash
# Thirty-second session, call 10 (HEAD's sources and binary): nn at M = 2 and 4 with builds that
# fit three or four blocks a SM (bench/experiments/registry-s32-fit.toml: 64–80 registers), so
# that a single-wave grid's clusters of 8 all fit at once (call 8's ncu: 30 clusters fit with the
# 84-register M ≤ 2 build, 62 with the 64-register M = 1 build; 1×4096² needs 32). The edge set
# on the new builds, then the nn shapes of both models at M = 2 and 4 beside gemv/nn_cl8, call
# 7's M ≤ 2 build and cuBLAS, and three shapes at M = 1 for the ratio to M = 1 nn.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s32-fit.toml)
edge_check 120 "${add[@]}" --variants 'exp/*' --layout nn
shapes_at "2 4" "896,896 1152,896,bias 896,4864 9728,896 4096,4096 6144,4096 4096,14336 28672,4096"
shapes_add "1" "896,4864 9728,896 4096,4096 28672,4096"
SHOWN=8 timed_probe probe 240 "${add[@]}" "${shapes[@]}" --layout nn --time-cap-ms 20 \
  --variants gemv/nn_cl8 gemv/nn_cl8_c128_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl4_c128_m1 'exp/*' \
  cublas/gemm cublaslt/matmul
