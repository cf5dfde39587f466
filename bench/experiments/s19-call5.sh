#!/usr/bin/env bash
# Nineteenth session, call 5: HEAD (the probe's new "cannot run" gap) on the H200: every
# registered variant verified on the edge set (on sm_90 no variant may become a gap for its
# architecture), and the M = 16 dispatch check with the s18 table.
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
probe_into "$OUT" verify 300 "${EDGE_SHAPES[@]}" --verify-only --strict
echo "gaps naming an architecture: $(grep -c 'runs on sm_90 GPUs only' "$OUT/verify.json")"
dispatch_check dispatch-m16 bench/results/h200-2026-11-21-s18-dispatch.json 16 200
pack
