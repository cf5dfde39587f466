#!/usr/bin/env bash
# Twenty-eighth session, call 6: the TAIL_PIECES counters apart (each tile's count on a 32-byte
# sector of its own, the queue and the blocks' count each on a 128-byte line of its own) and
# the end mark sent before the blocks' count: are the heads that stall at M = 1 waiting on
# atomics that share a line with the polled counts? Verify, the edge set, a timing probe at
# M = 1, 4, 16, timelines at M = 1 and 16. Needs bench/experiments/s28-tail.patch applied (git
# apply) before the build. Carry target/release/skinny gzipped.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s28-tail.toml"
verify_first 45 $add --variants exp/t16_p4x4 --shape 16,28672,4096 --shape 3,1000,4104,bias \
  --shape 1,64,64
edge_check 100 $add --variants exp/t16_p4x4 exp/t8_p4x4
shapes_at "1 4 16" "28672,4096"
timed_probe probe 120 $add "${shapes[@]}" --variants exp/t16_p4x4 exp/t8_p4x4 exp/t16_p4x2 \
  wg/m16_s4p_r cublas/gemm --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/probe.json" >"$OUT/hot-cold.txt"
for m in 1 16; do
  timeline_probe "tl-m$m" tail_timeline.py $add --variants exp/t16_p4x4_tl --shape "$m,28672,4096"
done
pack
