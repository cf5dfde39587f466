#!/usr/bin/env bash
# Twenty-fourth session, call 4: gemv_mma LINES with X_LATE (bench/experiments/s24-x-late.patch,
# registry-s24-xlate.toml): x loaded a vector at a time next to its mmas, so that fewer registers
# are held while W is in flight (mma/m8_l8: 124 -> 80, 4 -> 6 blocks a SM). Verified on the edge
# set, then timed beside the s24 variants and cuBLAS on llama gate_up, down, 4096×4096 and qwen
# gate_up at M = 1, 4, 8, 16. Build with the patch applied: cargo build --release; bash
# bench/carry-gz.sh target/release/skinny; carry ["target/carry"].
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s24-xlate.toml"
new="mma/*_l*x"
# shellcheck disable=SC2086
edge_check 120 $add --variants $new
shapes_at "1 4 8 16" "28672,4096 4096,14336 4096,4096 9728,896"
# shellcheck disable=SC2086
timed_probe probe 240 $add "${shapes[@]}" --variants $new cublas/gemm mma/m8_l8 mma/m16_l8t2 \
  mma/m8_u4 ring/m8_w4t2s2x3_rl wg/m16_s4_r wg/m16_s8p_b2 --time-cap-ms 15
pack
