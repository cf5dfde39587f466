#!/usr/bin/env bash
# Eighteenth session, call 11: the closing review mend (host only) on the H200, as call 9. The wg variants verified
# on the edge set at every row count (--verify-only), and the s18 tables accepted (sources digest
# unchanged) with dispatch timed beside cuBLAS on both models' shapes at M = 16, where wg is
# chosen for the lm_heads.
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
probe_into "$OUT" verify 120 "${EDGE_SHAPES[@]}" --variants 'wg/*' --verify-only --strict
timeout 200 $skinny dispatch --table bench/results/h200-2026-11-21-s18-dispatch.json \
  --shapes qwen2.5-0.5b@m16 llama-3-8b@m16 --dtype bf16 --measure --time-cap-ms 40 \
  --json "$OUT/dispatch-m16.json" >"$OUT/dispatch-m16.log" 2>&1
echo "dispatch m16: exit $?"
grep -iE "wg/|within|warning|refused|stale" "$OUT/dispatch-m16.log" | head -12
pack
