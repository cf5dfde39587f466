#!/usr/bin/env bash
# Twenty-seventh session, call 6: why some launches of a QUEUE build run ~15 µs faster than
# others (call 4: graph_pdl_us far under gpu_cold_us at M = 1). TIMELINE = 2 builds
# (registry-s27-queue-span.toml; needs bench/experiments/s27-queue.patch and this call's
# addition) print one line a launch: the spread of the blocks' entries and when the first and
# last blocks end; bench/tools/queue_spans.py sums them up per build (with and without PDL).
# Carry target/release/skinny gzipped (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s27-queue-span.toml"
qs() {
  probe_into "$OUT" "qs-$1" 90 $add --shape "$2" --variants "$3" --time-cap-ms 20
  python3 bench/tools/queue_spans.py "$OUT/qs-$1.log" | tee "$OUT/qs-$1-summary.txt"
  python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["runs"]:
    print(r["variant"], {k: round(v["median"], 2) for k, v in r["timings"].items()})' "$OUT/qs-$1.json"
}
qs s4_b4-1x28672 1,28672,4096 exp/qs_s4_b4
qs s4_b4-16x28672 16,28672,4096 exp/qs_s4_b4
qs s4_b4_a2-1x28672 1,28672,4096 exp/qs_s4_b4_a2
pack
