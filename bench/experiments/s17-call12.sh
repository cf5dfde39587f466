#!/usr/bin/env bash
# Seventeenth session, call 12: 8-row ring tiles (registry-s17-short-tiles.toml, added with
# --add-registry; no kernel change), verified on the edge set, then timed at M = 4, 8 and 16 on
# llama's large shapes and qwen's beside the committed ring and cuBLAS.
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
add="--add-registry bench/experiments/registry-s17-short-tiles.toml"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
SECONDS=0
# shellcheck disable=SC2086
timeout 90 $skinny probe --backend cuda $add --shapes smoke@all \
  --shape 8,5000,1000,bias --shape 7,3000,2056,axpby --shape 8,1,4104 --shape 5,130,4096,f16 \
  --shape 16,1000,4104,bias --shape 8,140000,64 --shape 6,77,200,axpby \
  --variants 'ring/m*_w?t1s2*' --time-cap-ms 2 --strict --json "$OUT/edge-probe.json" >"$OUT/edge-probe.log" 2>&1
echo "edge probe: exit $? (${SECONDS} s)"; grep -E "^summary" "$OUT/edge-probe.log"
SECONDS=0
# shellcheck disable=SC2086
timeout 300 $skinny probe --backend cuda $add --shapes llama-3-8b@m4,8,16 qwen2.5-0.5b@m8,16 --layout nt \
  --variants 'ring/m*_w?t1s2*' ring/m8_w4t2s2x3_rl ring/m8_w4t2s4x4_rl ring/m8_w4t2s2x6_rl ring/m16_w4t4s2x4_rl \
  mma/m8_s4p mma/m16_s4 cublas/gemm --time-cap-ms 20 \
  --json "$OUT/short-probe.json" >"$OUT/short-probe.log" 2>&1
echo "short probe: exit $? (${SECONDS} s)"; grep -E "^summary" "$OUT/short-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/short-probe.json" 5 2>&1 | tee "$OUT/short-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -maxdepth 1 ! -name all.tgz -exec rm -rf {} + && mv /tmp/all.tgz "$OUT/"
