#!/usr/bin/env bash
# Twenty-seventh session, call 5: where a QUEUE build of gemv_wgmma loses its time. TIMELINE
# builds (registry-s27-queue-tl.toml) print, for some launches, each unit's first request (the
# producer) and its start, end and epilogue end (the warpgroup); bench/tools/queue_timeline.py
# sums them up. A persistent block prints after all its work, so the printing delays only the
# kernel's end. Carry target/release/skinny gzipped (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s27-queue-tl.toml"
qt() {
  probe_into "$OUT" "qt-$1" 60 $add --shape "$2" --variants "$3" --time-cap-ms 5
  python3 bench/tools/queue_timeline.py "$OUT/qt-$1.log" >"$OUT/qt-$1-summary.txt"
  head -16 "$OUT/qt-$1-summary.txt"
}
qt s4_b4-16x28672 16,28672,4096 exp/qt_s4_b4
qt s4_b4_a-16x28672 16,28672,4096 exp/qt_s4_b4_a
qt s16_b1-16x28672 16,28672,4096 exp/qt_s16_b1
qt s4_b4-1x28672 1,28672,4096 exp/qt_s4_b4
pack
