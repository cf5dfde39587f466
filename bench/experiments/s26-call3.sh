#!/usr/bin/env bash
# Twenty-sixth session, call 3: clustered gemv_wgmma with one owner a stage for x's boxes (W
# refilled when the block's own warps are done; x requested by the stage's owner when the
# cluster's are). Edge set, then the long shapes beside the twins, the registered winners and
# cuBLAS. Carry target/release/skinny gzipped.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s26-cluster.toml"
new="wg/m16_s4p_r wg/m16_s4p_r_c2 wg/m16_s4p_r_c4 wg/m16_s8p_b2_c4 wg/m16_s8p_b2_c2 wg/m16_s8p_r_c4"
new="$new wg/m8_s6p_r wg/m8_s6p_r_c2 wg/m16_r2s4p_r wg/m16_r2s4p_r_c2"
# shellcheck disable=SC2086
edge_check 150 $add --variants $new
shapes_at "4 8 16" "28672,4096"
shapes+=(--shape 16,9728,896 --shape 8,9728,896 --shape 16,128256,4096 --shape 16,4096,14336)
shapes+=(--shape 16,151936,896 --shape 16,6144,4096)
# shellcheck disable=SC2086
timed_probe probe 300 $add "${shapes[@]}" --variants $new wg/m16_s4_r wg/m16_s8p_b2 \
  mma/m8_l8 ring/m8_w4t2s2x3_rl cublas/gemm --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/probe.json" | tee "$OUT/hot-cold.txt"
pack
