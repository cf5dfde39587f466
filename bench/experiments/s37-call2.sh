#!/usr/bin/env bash
# Thirty-seventh session, call 2: W's loads L1::no_allocate (W_NO_L1, the s37 kernel parameter)
# in the registered M = 1 nn winners and two gemv_split M = 1 builds, each beside the build it
# copies (bench/experiments/registry-s37-nol1.toml), on the seven M = 1 nn shapes of the two
# models and four nt shapes; gpu_cold, gpu_hot and graph of every run are in the probe JSON.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s37-nol1.toml)
edge_check 90 "${add[@]}" --variants 'exp/*'
shapes_at 1 "896,4864,nn 896,896,nn 1152,896,bias,nn 9728,896,nn 4096,4096,nn 4096,14336,nn
  6144,4096,nn"
shapes+=(--shape 1,14336,304,nn --shape 1,896,4864 --shape 1,4096,4096 --shape 1,9728,896 \
  --shape 1,4096,14336)
SHOWN=12 timed_probe probe 300 "${add[@]}" "${shapes[@]}" --time-cap-ms 20 \
  --variants 'exp/*' gemv/nn_cl16_u10_m1_xs gemv/nn_cl14_c128_u4_m1_xs gemv/nn_cl5_c128_u12_m1_xs \
  gemv/nn_cl7_u4_m1_xs gemv/nn_cl8_c128_m1 dot/m1_u5_xw dot/m1_xw mma/c8_m1_w5u4_tail \
  mma/c8_m1_u4_b8 cublas/gemm cublas/gemm+bias
hot_cold probe
