#!/usr/bin/env bash
# Fifteenth session, call 1: gemv_mma_ring (crates/skinny/kernels/mma_ring.cu, variants ring/* in
# bench/experiments/registry-s15-ring.toml; the embedded registry is unchanged), and Nsight
# Compute on llama gate_up (28672×4096) to see what holds gemv_mma at 62 µs where dot/m1 takes 54.
# Apply bench/experiments/s15-mma-ring.patch first. Carry ["target/release/skinny"].
# 1. Edge shapes (verification, --strict): n not a multiple of 8, k not a multiple of a step
#    (zero-filled copies), k = 8, n = 1, n > 2^17, m = 3, 9, 16, bias, axpby, f16.
# 2. Timing: llama at M = 1, 8, 16, qwen at M = 8 and qwen lm_head at 16, beside gemv_mma,
#    dot/m1_xw and cuBLAS.
# 3. ncu (--clock-control none, caches flushed before each pass: cold) on one launch each of
#    dot/m1_xw (M = 1), mma/m8_k8 (M = 1, 8), a ring variant (M = 1, 8) and cuBLAS (M = 8).
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s15-ring.toml
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 100 $skinny probe --backend cuda --registry $reg --shapes smoke@all \
  --shape 3,1001,1032,bias --shape 16,77,200,axpby --shape 5,8,8 --shape 1,1,4104 \
  --shape 9,130,4096,f16 --shape 2,140000,64 --shape 8,896,4864,f16,bias --shape 16,1000,4104,bias \
  --variants 'ring/*' --time-cap-ms 5 --strict --json "$OUT/edge-probe.json" >"$OUT/edge-probe.log" 2>&1
echo "edge probe: exit $?"; grep -E "^summary|FAIL|incorrect|failed" "$OUT/edge-probe.log" | head -8
timeout 300 $skinny probe --backend cuda --registry $reg --shapes llama-3-8b@m1,8,16 qwen2.5-0.5b@m8 \
  --shape 16,151936,896 --layout nt \
  --variants 'ring/*' mma/m8_k8 mma/m8_s4p mma/m16_s4 mma/m8_u4 cublas/gemm dot/m1_xw \
  --time-cap-ms 30 --json "$OUT/ring-probe.json" >"$OUT/ring-probe.log" 2>&1
echo "ring probe: exit $?"; grep -E "^summary" "$OUT/ring-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/ring-probe.json" 8 2>&1 | tee "$OUT/ring-summary.txt"
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null)
echo "ncu: $ncu"
profile() { # name m variant kernel-regex
  timeout 60 "$ncu" --clock-control none -k "regex:$4" --launch-skip 2 --launch-count 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats \
    --section WarpStateStats --section SchedulerStats --metrics dram__bytes_read.sum,lts__t_sectors_srcunit_tex_op_read.sum \
    -o "$OUT/ncu-$1" $skinny probe --backend cuda --registry $reg --shape "$2,28672,4096" --variants "$3" \
    --time-cap-ms 5 --json "$OUT/ncu-$1-probe.json" >"$OUT/ncu-$1.log" 2>&1
  echo "ncu $1: exit $?"
  "$ncu" --import "$OUT/ncu-$1.ncu-rep" --page details >"$OUT/ncu-$1.txt" 2>&1
  grep -E "^  [a-z_]|Duration|DRAM Throughput|dram__bytes|lts__t_sectors|Achieved Occupancy|Registers Per|Block Limit|Warp Cycles Per Issued|Dynamic Shared|L2 Hit|Mem Busy|Max Bandwidth|Issue Slots Busy|No Eligible" "$OUT/ncu-$1.txt" | head -30
}
profile m1-dot 1 dot/m1_xw gemv_split
profile m1-mma 1 mma/m8_k8 gemv_mma
profile m8-mma 8 mma/m8_k8 gemv_mma
profile m1-ring 1 ring/m8_w4t2s2x6 gemv_mma_ring
profile m8-ring 8 ring/m8_w4t2s2x6 gemv_mma_ring
profile m8-cublas 8 cublas/gemm 'gemm|gemv|xmma|cutlass|splitK'
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
