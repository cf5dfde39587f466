#!/usr/bin/env bash
# Thirtieth session, call 4, on the sources with bench/experiments/s30-tail.patch applied
# (gemv_mma's TAIL): registry-s30-tail.toml, TAIL on the one-row CHUNKS builds and call 2-3's
# winners, and more register promises and block shapes at M = 4, 8, 16. The edge set (ragged k
# is where TAIL's zero-read steps are), then the M = 1 bars of few steps a row and gate_up at
# M = 1-16 beside the table's winners and cuBLAS. Carry target/release/skinny gzipped.
set -uo pipefail
. bench/lib.sh
call_begin
shapes_at "1 2 4 8" "896,4864"
shapes_add "1 4 8 16" "28672,4096"
shapes_add "1" "4096,4096 4096,14336 1024,8192"
shapes_add "8" "6144,4096"
shapes_add "16" "9728,896"
registry_call bench/experiments/registry-s30-tail.toml 200 360 "${shapes[@]}" \
  --variants "exp/*" mma/c8_m1_u4 mma/c8_m1_u4_b8 mma/c8_m2_u2p mma/c2_m8_w8s4 dot/m1_u5_xw \
  dot/m1_xw mma/m8_s4p_pf mma/m8_l8 wg/m16_r2s4p_r wg/m16_s8p_b2 cublas/gemm cublaslt/matmul \
  --time-cap-ms 15
