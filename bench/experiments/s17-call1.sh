#!/usr/bin/env bash
# Seventeenth session, call 1: taller row tiles for m = 16 (registry-s17-tall.toml, added to the
# build's registry with --add-registry; no kernel change), verified on the edge set, then timed at
# M = 16 on both models beside the committed m = 16 variants and cuBLAS. The probe's float64
# reference became column-parallel this session: the wall times show what that saved.
# Build here: cargo build --release. Carry ["target/release/skinny"].
# (Rewritten after the run to use bench/lib.sh: the same commands.)
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
add="--add-registry bench/experiments/registry-s17-tall.toml"
# shellcheck disable=SC2086
probe_into "$OUT" edge-probe 90 $add --shapes smoke@all \
  --shape 16,5000,1000,bias --shape 7,3000,2056,axpby --shape 16,1,4104 --shape 13,130,4096,f16 \
  --shape 16,1000,4104,bias --shape 9,140000,64 --shape 16,896,896 \
  --variants 'ring/m16_w?t[68]*' 'xres/m16_w2t8*' 'xres/m16_w4t4*' --time-cap-ms 2 --strict
# shellcheck disable=SC2086
probe_into "$OUT" tall-probe 400 $add --shapes llama-3-8b@m16 qwen2.5-0.5b@m16 --layout nt \
  --variants 'ring/m16_*' 'xres/m16_*' mma/m16_s4 mma/m16_k8 cublas/gemm cublas/gemm+bias cublaslt/matmul \
  --time-cap-ms 20
python3 bench/tools/best_per_shape.py "$OUT/tall-probe.json" 8 2>&1 | tee "$OUT/tall-summary.txt"
pack
