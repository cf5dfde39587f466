#!/usr/bin/env bash
# Twenty-fifth session, call 3: gemv_mma block shapes the registry lacks at M = 16
# (registry-s25-m16.toml; no kernel change): more W rows a warp so that x is a smaller share of
# the registers, and more warps a block. Edge set at every row count, then timed beside cuBLAS
# and the registered kernels on qwen's gate_up and lm_head at M = 8 and 16 and llama's gate_up and
# lm_head at M = 16. Build: cargo build --release; bash bench/carry-gz.sh target/release/skinny;
# carry ["target/carry"].
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s25-m16.toml"
new="mma/m16_t2u2n mma/m16_t2w8 mma/m16_t4w8 mma/m16_t4u2n mma/m16_t8w8 mma/m16_t8w4 mma/m16_t4w4 mma/m16_t4s1"
# shellcheck disable=SC2086
edge_check 150 $add --variants $new
others="cublas/gemm mma/m8_u4 mma/m16_s4 mma/m16_l8t2 ring/m8_w2t2s2x4_rl ring/m16_w2t2s2x3_rl wg/m16_s8p_b2 wg/m16_s4_r"
shapes_at "8 16" "9728,896 151936,896"
# shellcheck disable=SC2086
timed_probe qwen 200 $add "${shapes[@]}" --variants $new $others --time-cap-ms 15
shapes_at "16" "28672,4096 128256,4096"
# shellcheck disable=SC2086
timed_probe llama 200 $add "${shapes[@]}" --variants $new cublas/gemm wg/m16_s4_r mma/m16_l8t2 --time-cap-ms 15
pack
