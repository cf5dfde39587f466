#!/usr/bin/env bash
# Twenty-fifth session, call 9: gemv_wgmma's split of K with the last block's sums gathered one
# split at a time before any store (bench/experiments/s25-wg-sums.patch; a binary built with the
# patch, not the committed sources). Edge set for the split-capable wg variants, then call 8's
# timing probe again. Carry target/release/skinny gzipped.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s25-split.toml --add-registry bench/experiments/registry-s25-wg.toml"
new="wg/m16_s4_b3 wg/m16_s7p_b3 wg/m16_s4p_b4 wg/m16_r2s6p_b2 wg/m16_s8p_b2 wg/m8_s6_b2"
# shellcheck disable=SC2086
edge_check 120 $add --variants $new
shapes_at "16" "9728,896 16896,896 6144,4096 4096,14336 4096,4096"
shapes+=(--shape 8,9728,896 --shape 8,6144,4096)
# shellcheck disable=SC2086
timed_probe probe 200 $add "${shapes[@]}" --variants $new wg/m16_s4 wg/m16_s4_r \
  cublas/gemm mma/m16_l4t2 mma/m16_l8t2 mma/m8_l8 mma/m8_u4 --time-cap-ms 15
pack
