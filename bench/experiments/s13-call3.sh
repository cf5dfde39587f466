#!/usr/bin/env bash
# Thirteenth session, call 3 (digest bfe77eb7, no kernel change). Carry ["target/release/skinny"].
# 1. The M = 8 probe (nt) of qwen, llama and the decode grid, with every variant that runs M = 8,
#    tuned together with the M = 1 probes behind the s13 tables: with M = 8 rows in the table,
#    M = 8 shapes of untuned models get rules instead of cuBLAS.
# 2. The dispatch check with that cold-ranked table.
# 3. bench/experiments/s13-readbw.cu (fixed), built here with nvcc.
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
M8="cublas/gemm cublas/gemm+bias cublaslt/matmul gemv/multirow mma/m8 mma/m8_k8 mma/m8_u4 mma/m8_s4 mma/m8_s4p mma/m16 mma/m16_k8 mma/m16_t4 mma/m16_u4 mma/m16_s4"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 280 $skinny probe --backend cuda --shapes qwen2.5-0.5b@m8 llama-3-8b@m8 decode-grid@m8 --layout nt \
  --variants $M8 --time-cap-ms 40 --json "$OUT/m8-probe.json" >"$OUT/m8-probe.log" 2>&1
echo "M = 8 probe: exit $?"; grep -E "^summary" "$OUT/m8-probe.log"
m1="bench/results/h200-2026-11-21-s12-call8-tune-probe.json.gz bench/results/h200-2026-11-21-s13-call1-grid-probe.json.gz"
# shellcheck disable=SC2086
$skinny tune --from $m1 "$OUT/m8-probe.json" --metric gpu-cold --out "$OUT/dispatch-m8.json" >"$OUT/tune-m8.log" 2>&1
echo "tune cold: exit $?"; grep -E "^  8×" "$OUT/tune-m8.log"
# shellcheck disable=SC2086
$skinny tune --from $m1 "$OUT/m8-probe.json" --metric graph --out "$OUT/dispatch-m8-graph.json" >"$OUT/tune-m8-graph.log" 2>&1
echo "tune graph: exit $?"
configs=()
for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
  configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
done
timeout 130 $skinny dispatch --table "$OUT/dispatch-m8.json" "${configs[@]}" --dtype bf16 \
  --measure --time-cap-ms 60 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
echo "dispatch check: exit $?"; grep -E "within|^[a-z0-9.-]+/[a-z_]+ 8×" "$OUT/dispatch-check.log" | grep -E "within|[0-9] *$" | tail -22
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
$nvcc -O3 -arch=sm_90 -o /tmp/readbw bench/experiments/s13-readbw.cu >"$OUT/readbw-build.log" 2>&1
echo "readbw build: exit $?"
timeout 60 /tmp/readbw >"$OUT/readbw.csv" 2>&1
echo "readbw: exit $?"; cat "$OUT/readbw.csv"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
