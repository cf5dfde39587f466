#!/usr/bin/env bash
# Seventeenth session, call 8: x resident in shared memory for m <= 8 (xres/m8_*,
# registry-s17-xres8.toml added with --add-registry; no kernel change), verified on the edge set,
# then timed at M = 4 and 8 on both models beside the committed m <= 8 winners and cuBLAS.
# Build here: cargo build --release. Carry ["target/release/skinny"].
# (Rewritten after the run to use bench/lib.sh: the same commands.)
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
add="--add-registry bench/experiments/registry-s17-xres8.toml"
# shellcheck disable=SC2086
probe_into "$OUT" edge-probe 90 $add --shapes smoke@all \
  --shape 8,5000,1000,bias --shape 7,3000,2056,axpby --shape 8,1,4096 --shape 5,130,4096,f16 \
  --shape 3,1000,4088,bias --shape 8,140000,64 --shape 6,77,200,axpby --shape 8,28672,4096 \
  --variants 'xres/m8_*' --time-cap-ms 2 --strict
# shellcheck disable=SC2086
probe_into "$OUT" xres8-probe 300 $add --shapes llama-3-8b@m4,8 qwen2.5-0.5b@m4,8 --layout nt \
  --variants 'xres/m8_*' ring/m8_w4t2s2x3_rl ring/m8_w4t2s4x4_rl ring/m8_w4t2s2x6_rl ring/m8_w2t2s2x4_rl \
  mma/m8_s4p mma/m8_u4 mma/m8_k8 cublas/gemm cublaslt/matmul --time-cap-ms 20
python3 bench/tools/best_per_shape.py "$OUT/xres8-probe.json" 6 2>&1 | tee "$OUT/xres8-summary.txt"
pack
