#!/usr/bin/env bash
# Thirtieth session, call 5, on the sources with bench/experiments/s30-tail.patch applied:
# registry-s30-tail2.toml, TAIL where it makes each warp's steps one batch (one DRAM round trip),
# on the short rows of the M = 1 bars (1×896×4864, 1×9728×896) and their M = 2-4 neighbours,
# beside the same builds without TAIL, the table's winners and cuBLAS. Carry
# target/release/skinny gzipped.
set -uo pipefail
. bench/lib.sh
call_begin
shapes_at "1 2 4" "896,4864 9728,896"
registry_call bench/experiments/registry-s30-tail2.toml 150 200 "${shapes[@]}" --shape 1,1152,896,bias --shape 1,896,896 \
  --variants "exp/*" mma/c8_m1_u4 mma/c8_m2_u2p mma/c2_m8_w8s4 mma/m8_s4_pf mma/m8_u4_pf \
  mma/m8_k8_pf gemv/baseline_t32 dot/m1_u5_xw dot/m1_r8w2_xw cublas/gemm cublaslt/matmul \
  --time-cap-ms 15
