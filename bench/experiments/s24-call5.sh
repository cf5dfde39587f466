#!/usr/bin/env bash
# Twenty-fourth session, call 5: gemv_mma LINES with PERSIST (bench/experiments/s24-persist.patch,
# registry-s24-persist.toml): blocks walk the row tiles and request the next tile's first step
# before a tile's reduction. Verified on the edge set, then timed beside the s24 variants and
# cuBLAS on the many-block shapes where LINES lost (llama gate_up and lm_head, qwen gate_up) and
# on llama down, at M = 1, 4, 8, 16. Build with the patch applied: cargo build --release; bash
# bench/carry-gz.sh target/release/skinny; carry ["target/carry"].
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s24-persist.toml"
new="mma/m8_l8w3 mma/m16_l8w2 mma/m16_l8t2w2 mma/m8_l8w8w1"
# shellcheck disable=SC2086
edge_check 120 $add --variants $new
shapes_at "1 4 8 16" "28672,4096 4096,14336 9728,896 128256,4096"
# shellcheck disable=SC2086
timed_probe probe 300 $add "${shapes[@]}" --variants $new cublas/gemm mma/m8_l8 mma/m16_l8t2 \
  mma/m8_u4 ring/m8_w4t2s2x3_rl wg/m16_s4_r wg/m16_s8p_b2 --time-cap-ms 15
pack
