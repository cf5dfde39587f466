#!/usr/bin/env bash
# Seventeenth session, call 1: taller row tiles for m = 16 (registry-s17-tall.toml, added to the
# build's registry with --add-registry; no kernel change), verified on the edge set, then timed at
# M = 16 on both models beside the committed m = 16 variants and cuBLAS. The probe's float64
# reference became column-parallel this session: the wall times show what that saved.
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
add=bench/experiments/registry-s17-tall.toml
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
SECONDS=0
timeout 90 $skinny probe --backend cuda --add-registry $add --shapes smoke@all \
  --shape 16,5000,1000,bias --shape 7,3000,2056,axpby --shape 16,1,4104 --shape 13,130,4096,f16 \
  --shape 16,1000,4104,bias --shape 9,140000,64 --shape 16,896,896 \
  --variants 'ring/m16_w?t[68]*' 'xres/m16_w2t8*' 'xres/m16_w4t4*' --time-cap-ms 2 --strict \
  --json "$OUT/edge-probe.json" >"$OUT/edge-probe.log" 2>&1
echo "edge probe: exit $? (${SECONDS} s)"; grep -E "^summary" "$OUT/edge-probe.log"
SECONDS=0
timeout 400 $skinny probe --backend cuda --add-registry $add --shapes llama-3-8b@m16 qwen2.5-0.5b@m16 --layout nt \
  --variants 'ring/m16_*' 'xres/m16_*' mma/m16_s4 mma/m16_k8 cublas/gemm cublas/gemm+bias cublaslt/matmul \
  --time-cap-ms 20 --json "$OUT/tall-probe.json" >"$OUT/tall-probe.log" 2>&1
echo "tall probe: exit $? (${SECONDS} s)"; grep -E "^summary" "$OUT/tall-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/tall-probe.json" 8 2>&1 | tee "$OUT/tall-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
