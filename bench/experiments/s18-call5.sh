#!/usr/bin/env bash
# Eighteenth session, call 5: gemv_wgmma with ROTATE (each block starts its K walk at a different
# box; registry-s18-wgmma.toml) verified on the edge set at every row count, then timed beside
# the unrotated twins, the committed winners and cuBLAS on the M bar's shapes.
# (Rewritten after the run to take the edge set from bench/lib.sh's EDGE_SHAPES: the same
# command.)
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
add="--add-registry bench/experiments/registry-s18-wgmma.toml"
# shellcheck disable=SC2086
probe_into "$OUT" edge-probe 120 $add "${EDGE_SHAPES[@]}" \
  --variants 'wg/*_r' --time-cap-ms 2 --strict
# shellcheck disable=SC2086
probe_into "$OUT" wg-probe 300 $add \
  --shape 8,28672,4096 --shape 16,28672,4096 --shape 4,28672,4096 \
  --shape 16,4096,14336 --shape 8,4096,14336 --shape 16,9728,896 --shape 8,896,4864 \
  --shape 16,151936,896 --shape 16,6144,4096 --shape 16,128256,4096 --shape 8,128256,4096 \
  --variants 'wg/*_r' wg/m16_s4 wg/m16_s5 wg/m8_s4 wg/m16_s8p_b2 wg/m8_s6_b2 \
  ring/m8_w4t2s2x3_rl ring/m8_w4t2s4x4_rl mma/m8_k8 mma/m16_s4 \
  ring/m16_w4t4s2x4_rl ring/m16_w2t2s2x3_rl cublas/gemm --time-cap-ms 20
python3 bench/tools/best_per_shape.py "$OUT/wg-probe.json" 8 2>&1 | tee "$OUT/wg-summary.txt"
pack
