#!/usr/bin/env bash
# Fifteenth session, call 2: gemv_mma_ring with ROTATE (each block starts its walk along K at a
# different step) and narrower/longer steps, beside gemv_mma, dot/m1_xw and cuBLAS on llama
# gate_up (M = 1, 8, 16) and down (M = 8); the ring variants that failed to launch in call 1
# (48 KB of ring beside 4 KB of sums) re-verified. Plus ncu's raw page of call 1's reports
# (ncu-in/*.ncu-rep, carried as untracked files): the L2 and stall breakdowns.
# Apply bench/experiments/s15-mma-ring.patch first. Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s15-ring.toml
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 120 $skinny probe --backend cuda --registry $reg --shapes smoke@all \
  --shape 3,1001,1032,bias --shape 16,77,200,axpby --shape 5,8,8 --shape 1,1,4104 \
  --shape 9,130,4096,f16 --shape 2,140000,64 --shape 8,896,4864,f16,bias --shape 16,1000,4104,bias \
  --variants 'ring/*_r' ring/m8_w4t2s2x4 ring/m8_w2t2s2x8 'ring/m8_w4t1s*' --time-cap-ms 5 --strict \
  --json "$OUT/edge-probe.json" >"$OUT/edge-probe.log" 2>&1
echo "edge probe: exit $?"; grep -E "^summary|incorrect|failed" "$OUT/edge-probe.log" | head -8
timeout 300 $skinny probe --backend cuda --registry $reg --shape 1,28672,4096 --shape 8,28672,4096 \
  --shape 16,28672,4096 --shape 8,4096,14336 \
  --variants 'ring/*' mma/m8_k8 mma/m16_s4 cublas/gemm dot/m1_xw \
  --time-cap-ms 30 --json "$OUT/ring-probe.json" >"$OUT/ring-probe.log" 2>&1
echo "ring probe: exit $?"; grep -E "^summary" "$OUT/ring-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/ring-probe.json" 40 2>&1 | tr -s ' ' | sed 's/  / /g' | tee "$OUT/ring-summary.txt"
for f in ncu-in/*.ncu-rep; do
  b=$(basename "$f" .ncu-rep)
  /usr/local/cuda/bin/ncu --import "$f" --page raw >"$OUT/$b-raw.txt" 2>&1
  echo "== $b"; grep -E "lts__t_|lts__d|dram__bytes|dram__through|warp_latency_issue_stalled|pcsamp_warps_issue_stalled" "$OUT/$b-raw.txt" | grep -vE "_not_issued|\.max |\.min " | awk '{print $1, $NF}' | head -70
done
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
