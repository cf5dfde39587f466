#!/usr/bin/env bash
# Twenty-seventh session, call 2: gemv_wgmma split along K into about WAVES waves of blocks
# (registry-s27-waves.toml; W evict-first, the splits of a tile neighbours in launch order), so
# that the block scheduler hands more blocks to the SMs that stream faster. Edge set, a timing
# probe beside the registered winners and cuBLAS, and the timeline of the 3-wave build.
# Carry target/release/skinny gzipped (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s27-waves.toml"
new="exp/s4p_r_ef_sf exp/s4p_r_w2 exp/s4p_r_w3 exp/s4p_r_w4 exp/s4p_r_w6 exp/s4p_r_w3_t"
new="$new exp/r2s4p_r_w3 exp/m8_s4p_r exp/m8_s4p_r_w3 exp/m8_s4p_r_w4 exp/m8_s4p_r_w6"
# shellcheck disable=SC2086
edge_check 150 $add --variants $new
shapes_at "4 8 16" "28672,4096"
shapes+=(--shape 16,6144,4096 --shape 16,4096,4096 --shape 16,4096,14336 --shape 8,4096,14336)
shapes+=(--shape 16,151936,896 --shape 8,151936,896 --shape 16,9728,896 --shape 8,128256,4096)
# shellcheck disable=SC2086
timed_probe probe 330 $add "${shapes[@]}" --variants $new wg/m16_s4p_r wg/m16_r2s4p_r \
  mma/m8_l8 ring/m8_w4t2s2x3_rl cublas/gemm --time-cap-ms 15
tl() {
  probe_into "$OUT" "tl-$1" 60 $add --shape "$2" --variants "$3" --time-cap-ms 5
  python3 bench/tools/timeline.py "$OUT/tl-$1.log" >"$OUT/tl-$1-summary.txt"
  head -20 "$OUT/tl-$1-summary.txt"
}
tl w3-16x28672 16,28672,4096 exp/s4p_r_w3_tl
pack
