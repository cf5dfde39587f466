#!/usr/bin/env bash
# Twenty-eighth session, call 1: gemv_wgmma with the ends of every tile's K handed out at run
# time (TAIL_PIECES, PIECE_BOXES; registry-s28-tail.toml). A short verify first (the kernel's
# blocks wait on each other's pieces: a hang must cost 45 s, not the call), the edge set, then a
# timing probe of llama's shapes at M = 4, 8, 16 beside the registered winners and cuBLAS.
# Carry target/release/skinny gzipped (bench/carry-gz.sh).
# Needs bench/experiments/s28-tail.patch applied (git apply) before the build.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s28-tail.toml"
new="exp/*"
verify_first 45 $add --variants "$new" --shape 16,28672,4096 --shape 8,28672,4096 \
  --shape 3,1000,4104,bias --shape 1,64,64 --shape 16,140000,64
edge_check 150 $add --variants "$new"
shapes_at "4 8 16" "28672,4096"
shapes+=(--shape 16,128256,4096 --shape 16,6144,4096 --shape 16,4096,4096 --shape 16,4096,14336)
shapes+=(--shape 8,6144,4096 --shape 16,151936,896 --shape 1,28672,4096)
timed_probe probe 300 $add "${shapes[@]}" --variants "$new" wg/m16_s4p_r wg/m16_r2s4p_r \
  mma/m8_l8 ring/m8_w4t2s2x3_rl cublas/gemm --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/probe.json" >"$OUT/hot-cold.txt"
pack
