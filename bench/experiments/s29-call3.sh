#!/usr/bin/env bash
# Twenty-ninth session, call 3 (prepared in s29, not run: the session's device time ran out):
# gemv_mma with CHUNKS, blocks of one, two or four rows of W whose instructions read 128–512
# contiguous bytes of each row, on the sources with s29-prefetch.patch and s29-chunks.patch
# applied (in that order) and registry-s29-chunks.toml: the edge set, then llama gate_up and
# lm_head at M = 1–8 and a few other shapes beside the registered winners and cuBLAS. Carry
# target/release/skinny gzipped (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
shapes_at "1 2 4 8" "28672,4096 151936,896"
shapes_add "1 4" "9728,896 4096,14336 896,4864"
registry_call bench/experiments/registry-s29-chunks.toml 240 330 "${shapes[@]}" --shape 1,4096,4096 \
  --variants "exp/*" dot/m1_xw dot/m1_u5_xw dot/m2_r2u2_xw dot/m1_r8w2_xw mma/m8_s4p_pf \
  mma/m8_s4_pf mma/m8_u4_pf mma/m8_l8 ring/m8_w4t2s2x3_rl wg/m16_s4p_r cublas/gemm \
  cublaslt/matmul --time-cap-ms 15
