#!/usr/bin/env bash
# Twenty-fifth session, call 2: X_SHARED again, its x copied with cp.async (every vector of a
# thread in flight at once) instead of a load and a store a vector (call 1: one L2 round trip a
# vector, 14 in a row at 16×896). Edge set, then qwen2.5-0.5b at M = 8 and 16 beside cuBLAS and
# the registered tensor-core kernels. Build and carry as s25-call1.sh.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s25-xshared.toml"
# shellcheck disable=SC2086
edge_check 150 $add --variants 'xs/*'
others="cublas/gemm cublaslt/matmul mma/m8_u4 mma/m8_k8 mma/m16_k8 mma/m16_s4 mma/m16_k16 ring/m8_w2t2s2x4_rl ring/m16_w2t2s2x3_rl wg/m16_s8p_b2"
# shellcheck disable=SC2086
timed_probe qwen 240 $add --shapes qwen2.5-0.5b@m8,16 --layout nt --variants 'xs/*' $others --time-cap-ms 15
pack
