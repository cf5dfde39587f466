#!/usr/bin/env bash
# Seventeenth session, call 12: 8-row ring tiles (registry-s17-short-tiles.toml, added with
# --add-registry; no kernel change), verified on the edge set, then timed at M = 4, 8 and 16 on
# llama's large shapes and qwen's beside the committed ring and cuBLAS.
# Build here: cargo build --release. Carry ["target/release/skinny"].
# (Rewritten after the run to use bench/lib.sh: the same commands.)
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
add="--add-registry bench/experiments/registry-s17-short-tiles.toml"
# shellcheck disable=SC2086
probe_into "$OUT" edge-probe 90 $add --shapes smoke@all \
  --shape 8,5000,1000,bias --shape 7,3000,2056,axpby --shape 8,1,4104 --shape 5,130,4096,f16 \
  --shape 16,1000,4104,bias --shape 8,140000,64 --shape 6,77,200,axpby \
  --variants 'ring/m*_w?t1s2*' --time-cap-ms 2 --strict
# shellcheck disable=SC2086
probe_into "$OUT" short-probe 300 $add --shapes llama-3-8b@m4,8,16 qwen2.5-0.5b@m8,16 --layout nt \
  --variants 'ring/m*_w?t1s2*' ring/m8_w4t2s2x3_rl ring/m8_w4t2s4x4_rl ring/m8_w4t2s2x6_rl ring/m16_w4t4s2x4_rl \
  mma/m8_s4p mma/m16_s4 cublas/gemm --time-cap-ms 20
python3 bench/tools/best_per_shape.py "$OUT/short-probe.json" 5 2>&1 | tee "$OUT/short-summary.txt"
pack
