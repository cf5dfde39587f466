#!/usr/bin/env bash
# Eighteenth session, call 10 (experiment; the kernel change is
# bench/experiments/s18-wgmma-persist.patch, not in the compiled-in sources): gemv_wgmma as one
# to three blocks a SM with deep rings sharing the (tile, box) units out evenly (stream-K,
# registry-s18-persist.toml), verified on the edge set at every row count beside the registered
# wg variants (whose epilogue the patch moved into a function), then timed on the M bar's shapes.
# (Rewritten after the run to take the edge set from bench/lib.sh's EDGE_SHAPES: the same
# command.)
# Build here (with the patch applied): cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
add="--add-registry bench/experiments/registry-s18-persist.toml"
# shellcheck disable=SC2086
probe_into "$OUT" edge-probe 150 $add "${EDGE_SHAPES[@]}" \
  --variants 'wg/*' --verify-only --strict
# shellcheck disable=SC2086
probe_into "$OUT" wg-probe 300 $add \
  --shape 8,28672,4096 --shape 16,28672,4096 --shape 4,28672,4096 \
  --shape 16,4096,14336 --shape 8,4096,14336 --shape 16,9728,896 --shape 8,9728,896 \
  --shape 16,151936,896 --shape 16,6144,4096 --shape 8,6144,4096 --shape 16,128256,4096 \
  --variants 'wg/*' ring/m8_w4t2s2x3_rl ring/m8_w4t2s4x4_rl mma/m8_u4 mma/m8_s4p mma/m16_s4 \
  ring/m16_w4t4s2x4_rl ring/m16_w2t2s2x3_rl cublas/gemm --time-cap-ms 20
python3 bench/tools/best_per_shape.py "$OUT/wg-probe.json" 8 2>&1 | tee "$OUT/wg-summary.txt"
pack
