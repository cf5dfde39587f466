#!/usr/bin/env bash
# Twenty-fourth session, call 3: three more LINES shapes of gemv_mma (registry-s24-lines2.toml:
# shorter steps and more warps, fewer registers a block), verified on the edge set, then timed
# with call 2's winners on llama gate_up and down and qwen gate_up at M = 1, 4, 8, 16.
# Build here: cargo build --release; bash bench/carry-gz.sh target/release/skinny; carry
# ["target/carry"].
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s24-lines.toml --add-registry bench/experiments/registry-s24-lines2.toml"
new="mma/m8_l8w8 mma/m8_l4 mma/m16_l4u1"
# shellcheck disable=SC2086
edge_check 120 $add --variants $new
shapes_at "1 4 8 16" "28672,4096 4096,14336 9728,896"
# shellcheck disable=SC2086
timed_probe probe 200 $add "${shapes[@]}" --variants $new cublas/gemm mma/m8_l8 mma/m16_l8t2 \
  mma/m16_l4t2 mma/m8_u4 ring/m8_w4t2s2x3_rl wg/m16_s4_r wg/m16_s8p_b2 --time-cap-ms 15
pack
