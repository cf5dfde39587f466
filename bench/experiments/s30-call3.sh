#!/usr/bin/env bash
# Thirtieth session, call 3: around call 2's winners (registry-s30-xside2.toml): the register
# promise, steps in flight, warps a block and PREFETCH at M = 2 and 4; builds with at most one x
# vector for two W vectors at M = 8 and 16. The edge set, then llama gate_up at M = 2-16, down at
# 4-16, o at 8 and qwen's up at 16, beside the table's winners and cuBLAS. Carry
# target/release/skinny gzipped (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
shapes_at "2 4 8 16" "28672,4096"
shapes_add "4 8 16" "4096,14336"
shapes_add "8" "6144,4096"
shapes_add "16" "9728,896"
registry_call bench/experiments/registry-s30-xside2.toml 200 330 "${shapes[@]}" \
  --variants "exp/*" mma/m8_s4p_pf mma/m16_t2s4p_pf mma/m8_l8 mma/m16_l8t2 ring/m8_w4t2s2x3_rl \
  wg/m16_r2s4p_r wg/m16_s4p_r wg/m16_s8p_b2 dot/m2_r2u2_xw cublas/gemm cublaslt/matmul \
  --time-cap-ms 15
