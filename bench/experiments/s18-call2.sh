#!/usr/bin/env bash
# Eighteenth session, call 2: gemv_wgmma (wgmma.cu; variants in registry-s18-wgmma.toml, added
# with --add-registry) verified on the edge set at every row count, then timed on the M bar's
# losing shapes at M = 4, 8, 16 (and M = 1) beside the committed winners and cuBLAS.
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
  --variants 'wg/*' --time-cap-ms 2 --strict
grep -E "incorrect|failed|error" "$OUT/edge-probe.log" | head -20
INC="ring/m8_w4t2s2x3_rl ring/m8_w4t2s4x4_rl ring/m8_w4t2s2x6_rl ring/m8_w2t2s2x4_rl mma/m8_s4p mma/m8_k8 mma/m8_u4 mma/m16_k8 mma/m16_s4 ring/m16_w4t4s2x4_rl ring/m16_w2t2s2x3_rl dot/m1_xw dot/m1_r4w1_xw dot/m1_u5_xw"
# shellcheck disable=SC2086
probe_into "$OUT" wg-probe 300 $add \
  --shape 8,28672,4096 --shape 16,28672,4096 --shape 4,28672,4096 --shape 1,28672,4096 \
  --shape 16,4096,14336 --shape 8,4096,14336 --shape 16,9728,896 --shape 8,896,4864 \
  --shape 16,151936,896 --shape 16,6144,4096 --shape 16,128256,4096 \
  --variants 'wg/*' $INC cublas/gemm --time-cap-ms 20
python3 bench/tools/best_per_shape.py "$OUT/wg-probe.json" 8 2>&1 | tee "$OUT/wg-summary.txt"
pack
