#!/usr/bin/env bash
# Twenty-eighth session, call 5: is it the finisher warp's spin on its mbarrier that slows the
# TAIL_PIECES grid's bulk and stalls its heads at M = 1? The build with the finisher asleep 1 µs
# between looks (FINISHER_SLEEP; registry-s28-sleep.toml) beside the spinning one, timed and
# with timelines at M = 1 and 16. Needs bench/experiments/s28-tail.patch applied (git apply)
# before the build. Carry target/release/skinny gzipped.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s28-tail.toml --add-registry bench/experiments/registry-s28-sleep.toml"
verify_first 45 $add --variants exp/t16_p4x4_z1000 --shape 16,28672,4096 --shape 3,1000,4104,bias \
  --shape 1,64,64
shapes_at "1 16" "28672,4096"
timed_probe probe 120 $add "${shapes[@]}" --variants exp/t16_p4x4 exp/t16_p4x4_z1000 \
  wg/m16_s4p_r cublas/gemm --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/probe.json" >"$OUT/hot-cold.txt"
for m in 1 16; do
  timeline_probe "tl-m$m" tail_timeline.py $add --variants exp/t16_p4x4_z1000_tl --shape "$m,28672,4096"
done
pack
