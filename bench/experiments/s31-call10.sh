#!/usr/bin/env bash
# Thirty-first session, call 10, on HEAD's sources: registry-s31-m16.toml (M = 16 builds whose
# warps make one DRAM round trip on k = 896) on qwen's k = 896 shapes at M = 8 and 16 and on
# llama's gate_up at M = 16, beside the table's winners and cuBLAS. Carry target/release/skinny
# gzipped.
set -uo pipefail
. bench/lib.sh
call_begin
shapes_at "8 16" "9728,896 896,896 1152,896,bias"
registry_call bench/experiments/registry-s31-m16.toml 90 200 "${shapes[@]}" --shape 16,28672,4096 \
  --shape 16,151936,896 --variants "exp/*" mma/m16_t2s2_b4_pf wg/m16_s8p_b2 mma/m8_s4_pf \
  mma/m16_k8_pf mma/m16_k16_pf wg/m16_r2s4p_r cublas/gemm cublaslt/matmul --time-cap-ms 20
