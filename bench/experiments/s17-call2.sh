#!/usr/bin/env bash
# Seventeenth session, call 2: x with W for up to 8 rows (dot/m8_*, dot/m4_u3_xw), taller ring
# tiles for m <= 8 and SPAN = 4 at m = 16 (registry-s17-rows.toml, added with --add-registry; no
# kernel change), verified on the edge set, then timed at M = 4 and 8 on both models beside the
# committed m <= 8 winners and cuBLAS, and the m = 16 ones at M = 16.
# Build here: cargo build --release. Carry ["target/release/skinny"].
# (Rewritten after the run to use bench/lib.sh: the same commands.)
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
add="--add-registry bench/experiments/registry-s17-rows.toml --add-registry bench/experiments/registry-s17-tall.toml"
NEW="dot/m8_* dot/m4_u3_xw ring/m8_w?t[48]* ring/m16_w1t?s4*"
# shellcheck disable=SC2086
probe_into "$OUT" edge-probe 90 $add --shapes smoke@all \
  --shape 8,5000,1000,bias --shape 7,3000,2056,axpby --shape 8,1,4104 --shape 5,130,4096,f16 \
  --shape 3,1000,4104,bias --shape 8,140000,64 --shape 16,896,896 --shape 6,77,200,axpby \
  --variants $NEW --time-cap-ms 2 --strict
# shellcheck disable=SC2086
probe_into "$OUT" rows-probe 300 $add --shapes llama-3-8b@m4,8 qwen2.5-0.5b@m4,8 --layout nt \
  --variants $NEW dot/m4_r2u2_xw mma/m8_k8 mma/m8_s4p mma/m8_u4 'ring/m8_w[24]t2*' \
  cublas/gemm cublas/gemm+bias cublaslt/matmul --time-cap-ms 20
python3 bench/tools/best_per_shape.py "$OUT/rows-probe.json" 6 2>&1 | tee "$OUT/rows-summary.txt"
# shellcheck disable=SC2086
probe_into "$OUT" span-probe 120 $add --shapes llama-3-8b@m16 qwen2.5-0.5b@m16 --layout nt \
  --variants 'ring/m16_w1t?s4*' ring/m16_w2t8s2x4_rl ring/m16_w2t6s2x3_rl cublas/gemm --time-cap-ms 20
python3 bench/tools/best_per_shape.py "$OUT/span-probe.json" 5 2>&1 | tee "$OUT/span-summary.txt"
pack
