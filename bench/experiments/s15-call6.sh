#!/usr/bin/env bash
# Fifteenth session, call 6: (1) compute-sanitizer memcheck and racecheck on the ring kernel
# through the probe (LINES shares shared memory between lanes, ordered by __syncwarp), small edge
# shapes; (2) where the issue-4 M bar stands with the best ring variants: qwen and llama at
# M = 2, 4, 8 beside cuBLAS (the embedded mma/multirow figures of s14 call 3 are the other
# skinny candidates).
# Apply bench/experiments/s15-mma-ring.patch first. Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s15-ring.toml
san="ring/m8_w4t2s2x6_rl ring/m8_w8t2s2x4_rl ring/m16_w4t4s2x4_rl ring/m8_w2t2s8x4_rl"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
for tool in memcheck racecheck; do
  timeout 100 /usr/local/cuda/bin/compute-sanitizer --tool $tool $skinny probe --backend cuda --registry $reg \
    --shape 3,1001,1032,bias --shape 16,77,200,axpby --shape 9,130,4096,f16 --shape 8,40,136 --shape 1,1,4104 \
    --variants $san --time-cap-ms 1 --strict --json "$OUT/san-$tool.json" >"$OUT/sanitizer-$tool.log" 2>&1
  echo "$tool: exit $?"; grep -E "ERROR SUMMARY|^summary|Hazard|Invalid" "$OUT/sanitizer-$tool.log" | sort | uniq -c | head -5
done
timeout 330 $skinny probe --backend cuda --registry $reg --shapes qwen2.5-0.5b@m2,4,8 llama-3-8b@m2,4,8 --layout nt \
  --variants ring/m8_w4t2s2x6_rl ring/m8_w4t2s4x4_rl ring/m8_w8t2s2x4_rl ring/m8_w2t2s8x4_rl cublas/gemm cublas/gemm+bias cublaslt/matmul \
  --time-cap-ms 20 --json "$OUT/mbar-probe.json" >"$OUT/mbar-probe.log" 2>&1
echo "m-bar probe: exit $?"; grep -E "^summary" "$OUT/mbar-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/mbar-probe.json" 8 2>&1 | tee "$OUT/mbar-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
