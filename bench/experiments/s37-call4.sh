#!/usr/bin/env bash
# Thirty-seventh session, call 4 (experiment; needs gemv_mma's X_NO_L1 parameter, kept in
# bench/experiments/s37-xna.patch): the M = 8 and 16 gemv_mma winners with x's loads
# L1::no_allocate beside their registered twins (bench/experiments/registry-s37-xna.toml) on the
# M bar's rows; then two bars the re-tune's probes do not hold: qkv with and without bias at
# M = 1 (bias fused ≤ 1.05×) and 128×8×512 (beats cuBLAS).
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s37-xna.toml)
shapes=()
shapes_at "8 16" "9728,896 28672,4096 896,4864 896,896 4096,4096"
shapes+=(--shape 16,1152,896,bias)
SHOWN=8 timed_probe probe 330 "${add[@]}" "${shapes[@]}" --time-cap-ms 20 \
  --variants 'exp/*' mma/m16_t2s2_b4_pf mma/m8_s4_pf mma/c2_m8_w8t2u4_b2 mma/c2x2_w8t1u4_b2 \
  mma/c2x2_w4t2u2_b4_pf mma/m16_w7t2s4u1_b2_pf wg/m16_s8p_b2 wg/m16_r2s4p_r cublas/gemm \
  cublaslt/matmul
hot_cold probe
SHOWN=4 timed_probe bars 90 --shape 1,1152,896 --shape 1,1152,896,bias --shape 128,8,512 \
  --time-cap-ms 20 --variants dot/m1_r8w2_xw dot/m1_grid dot/m1_r4w1_xw mma/c2_m4_w8s2_b4 \
  mma/c2_m4_u4_b8_tail gemv/smalln gemv/smalln_w1 gemv/baseline cublas/gemm cublas/gemm+bias \
  cublaslt/matmul
