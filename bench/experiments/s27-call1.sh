#!/usr/bin/env bash
# Twenty-seventh session, call 1: where gemv_wgmma's time goes on the M-bar shortfalls. TIMELINE
# builds print every block's entry, first stage, K-loop end and end (globaltimer) for some
# launches (bench/tools/timeline.py summarises them); EVICT_FIRST twins put W's boxes under an
# L2 evict-first policy. Variants in registry-s27-timeline.toml. Carry target/release/skinny
# gzipped (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s27-timeline.toml"
ef="exp/m16_s4p_r_ef exp/m16_r2s4p_r_ef exp/m16_s4_ef exp/m8_s6_b2_ef"
# shellcheck disable=SC2086
edge_check 120 $add --variants $ef
shapes_at "4 8 16" "28672,4096"
shapes+=(--shape 16,151936,896 --shape 8,151936,896 --shape 16,9728,896 --shape 16,128256,4096)
# shellcheck disable=SC2086
timed_probe probe 240 $add "${shapes[@]}" --variants $ef wg/m16_s4p_r wg/m16_r2s4p_r wg/m16_s4 \
  wg/m8_s6_b2 cublas/gemm --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/probe.json" | tee "$OUT/hot-cold.txt"
# One variant and one shape a process: the kernel's block tickets count launches of one grid.
tl() {
  probe_into "$OUT" "tl-$1" 60 $add --shape "$2" --variants "$3" --time-cap-ms 5
  python3 bench/tools/timeline.py "$OUT/tl-$1.log" | tee "$OUT/tl-$1-summary.txt" | head -30
}
tl s4p_r-16x28672 16,28672,4096 exp/m16_s4p_r_tl
tl r2s4p_r-16x28672 16,28672,4096 exp/m16_r2s4p_r_tl
tl s4p_r-4x28672 4,28672,4096 exp/m16_s4p_r_tl
tl s4-16x151936 16,151936,896 exp/m16_s4_tl
tl s4p_r-16x9728 16,9728,896 exp/m16_s4p_r_tl
pack
