#!/usr/bin/env bash
# Twenty-fifth session, call 1: gemv_mma with X_SHARED (x copied whole into shared memory once a
# block, read back next to its mmas; registry-s25-xshared.toml). Verified on the edge set at every
# row count, then timed beside cuBLAS and the registered tensor-core kernels on qwen2.5-0.5b's
# shapes at M = 4, 8, 16 (x is 28 KB a block at M = 16 there) and llama's gate_up and o at M = 8
# (the xs/m8 variants; x 64 KB a block). Build: cargo build --release; bash bench/carry-gz.sh
# target/release/skinny; carry ["target/carry"].
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s25-xshared.toml"
# shellcheck disable=SC2086
edge_check 150 $add --variants 'xs/*'
others="cublas/gemm cublas/gemm+bias cublaslt/matmul mma/m8_u4 mma/m8_k8 mma/m16_k8 mma/m16_s4 mma/m16_k16 mma/m16_l4t2 mma/m8_l8 ring/m8_w2t2s2x4_rl ring/m16_w2t2s2x3_rl wg/m16_s8p_b2"
# shellcheck disable=SC2086
timed_probe qwen 240 $add --shapes qwen2.5-0.5b@m4,8,16 --layout nt --variants 'xs/*' $others --time-cap-ms 15
shapes_at "8" "28672,4096 4096,4096"
# shellcheck disable=SC2086
timed_probe llama 120 $add "${shapes[@]}" --variants 'xs/m8*' cublas/gemm mma/m8_l8 mma/m8_u4 ring/m8_w4t2s2x3_rl --time-cap-ms 15
pack
