#!/usr/bin/env bash
# Twenty-ninth session, call 1: W's loads with an L2 prefetch size (PREFETCH 128 or 256 bytes;
# common.cuh's W_PREFETCH) in gemv_split, gemv_mma and gemv_mma_ring, on the sources with
# PREFETCH (s29-prefetch.patch, or the working tree that holds it) and registry-s29-prefetch.toml:
# the edge set, then the M-bar shortfalls and M = 1 bars beside each variant's registered twin,
# the wgmma winners and cuBLAS. Carry target/release/skinny gzipped (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s29-prefetch.toml"
edge_check 120 $add --variants "exp/*"
shapes_at "1 2 4 8 16" "151936,896"
shapes_add "1 2 4 8 16" "28672,4096"
SHOWN=10 timed_probe probe 420 $add "${shapes[@]}" --shape 1,9728,896 --shape 16,9728,896 \
  --shape 1,4096,4096 --shape 1,4096,14336 --shape 1,896,4864 \
  --variants "exp/*" mma/m8_s4p mma/m8_u4 mma/m16_s4 mma/m16_k16 mma/m8_l8 ring/m8_w4t2s2x3_rl \
  ring/m8_w2t2s2x4_rl ring/m16_w2t2s2x3_rl dot/m1_xw dot/m1_r8w2_xw dot/m2_r2u2_xw mma/m8_s4 \
  dot/m1_r4w1_xw wg/m16_s4p_r wg/m16_s4 cublas/gemm cublaslt/matmul --time-cap-ms 15
hot_cold probe
pack
