#!/usr/bin/env bash
# Twenty-eighth session, call 2: the TAIL_PIECES builds with claims two units ahead and the whole
# tile turned (registry-s28-tail.toml): verify first, the edge set, a timing probe of llama
# gate_up at M = 1, 4, 8, 16 beside the one-tile builds and cuBLAS, then the TAIL_TIMELINE build
# at M = 1 and 16 (bench/tools/tail_timeline.py). Carry target/release/skinny gzipped.
# Needs bench/experiments/s28-tail.patch applied (git apply) before the build.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s28-tail.toml"
# Call 3 ran this script with NEW and EDGE_SECONDS set (s28-call3.sh).
new=${NEW:-"exp/t16_p4x4 exp/t16_p8x2 exp/t16_p4x2 exp/t16r2_p4x4 exp/t8_p4x4"}
verify_first 45 $add --variants $new --shape 16,28672,4096 --shape 8,28672,4096 \
  --shape 3,1000,4104,bias --shape 1,64,64 --shape 16,140000,64
edge_check "${EDGE_SECONDS:-150}" $add --variants $new
shapes_at "1 4 8 16" "28672,4096"
timed_probe probe 300 $add "${shapes[@]}" --variants $new wg/m16_s4p_r wg/m16_r2s4p_r \
  exp/p8_s4p_r cublas/gemm --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/probe.json" >"$OUT/hot-cold.txt"
for m in 1 16; do
  timeline_probe "tl-m$m" tail_timeline.py $add --variants exp/t16_p4x4_tl --shape "$m,28672,4096"
done
pack
