#!/usr/bin/env bash
# Twenty-seventh session, call 4: gemv_wgmma QUEUE again, the next unit claimed early, and with a
# finisher warp (QUEUE_ASYNC) that stores each unit's sums: a persistent grid taking (tile, split) units
# from a queue (QUEUE; registry-s27-queue2.toml), so that the SMs that draw memory faster do more
# of the work. Edge set (every variant), then a timing probe beside the registered winners and
# cuBLAS. Carry target/release/skinny gzipped (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s27-queue2.toml"
new="exp/q2*"
# A hang (call 3's first try: the end mark read as a unit) costs a whole timeout: a short check
# first, and nothing more if it fails.
verify_first 45 $add --variants "$new" --shape 16,28672,4096 --shape 3,1000,4104,bias \
  --shape 1,64,64 --shape 16,140000,64
edge_check 120 $add --variants "$new"
shapes_at "4 8 16" "28672,4096"
shapes+=(--shape 16,128256,4096 --shape 8,128256,4096 --shape 16,151936,896 --shape 8,151936,896)
shapes+=(--shape 16,9728,896 --shape 16,4096,14336 --shape 16,6144,4096 --shape 16,4096,4096)
shapes+=(--shape 1,28672,4096)
timed_probe probe 300 $add "${shapes[@]}" --variants "$new" wg/m16_s4p_r wg/m16_r2s4p_r wg/m16_s4 \
  mma/m8_l8 ring/m8_w4t2s2x3_rl cublas/gemm --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/probe.json" >"$OUT/hot-cold.txt"
pack
