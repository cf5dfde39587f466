#!/usr/bin/env bash
# Seventeenth session, call 7: ncu on llama gate_up (n×k = 28672×4096) at M = 1, 2, 4 and 8,
# where the register-fed dot kernels run at the read kernel's speed (54.4 µs at M = 1, 55.8 at
# M = 2) and the ring and cuBLAS do not (58-60 µs at M = 4 and 8): what differs at the DRAM and
# L2 (bytes, requests, sectors a request, DRAM active), in occupancy and in stalls. One cold launch
# each, the caches flushed (ncu's default), clocks as they are. HEAD's build (digest c419ae4c).
# Then one more qwen decode with the s17 chain table.
# Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
ncu=/usr/local/cuda/bin/ncu
mkdir -p ncu-in
profile() { # name m variant kernel-regex
  timeout 60 "$ncu" --clock-control none -k "regex:$4" --launch-skip 2 --launch-count 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section MemoryWorkloadAnalysis_Tables \
    --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats \
    --metrics dram__bytes_read.sum,lts__t_sectors_srcunit_tex_op_read.sum,lts__t_requests_srcunit_tex_op_read.sum,dram__cycles_active.avg.pct_of_peak_sustained_elapsed \
    -o "ncu-in/ncu-$1" $skinny probe --backend cuda --shape "$2,28672,4096" --variants "$3" \
    --time-cap-ms 5 --json "$OUT/ncu-$1-probe.json" >"$OUT/ncu-$1.log" 2>&1
  echo "ncu $1: exit $?"
}
profile m1-dot 1 dot/m1_xw gemv_split
profile m2-dot 2 dot/m2_r2u2_xw gemv_split
profile m4-ring 4 ring/m8_w4t2s2x3_rl gemv_mma_ring
profile m4-cublas 4 cublas/gemm nvjet
profile m8-ring 8 ring/m8_w4t2s2x3_rl gemv_mma_ring
profile m8-mma 8 mma/m8_s4p gemv_mma
profile m8-cublas 8 cublas/gemm nvjet
# And a third decode of qwen with the committed s17 chain table, for the spread of the issue-5 ratio.
timeout 90 $skinny decode --model qwen2.5-0.5b --table bench/results/h200-2026-11-21-s17-dispatch-chain.json \
  --json "$OUT/decode-qwen.json" >"$OUT/decode-qwen.log" 2>&1
echo "decode: exit $?"; grep -E "floor|skinny-graph-pdl|cublas-graph " "$OUT/decode-qwen.log" | grep -v timing
for f in ncu-in/*.ncu-rep; do
  b=$(basename "$f" .ncu-rep)
  "$ncu" --import "$f" --page raw >"$OUT/$b.raw.txt" 2>&1
  "$ncu" --import "$f" --page details --print-details all >"$OUT/$b.details.txt" 2>&1
  echo "== $b"
  grep -E "Duration|DRAM Throughput|L2 Cache Throughput|L1/TEX Hit|Grid Size|Block Size|Registers Per|Dynamic Shared|Achieved Active|Achieved Occupancy" "$OUT/$b.details.txt" | awk '{print $1,$2,$3,$NF}' | head -12
  grep -E "dram__bytes_read.sum |dram__cycles_active.avg.pct_of_peak_sustained_elapsed |lts__t_(requests|sectors)_srcunit_tex_op_read.sum |smsp__pcsamp_warps_issue_stalled_(long_scoreboard|barrier|mio_throttle|lg_throttle|math_pipe_throttle|short_scoreboard|wait|not_selected|selected) " "$OUT/$b.raw.txt" | awk '{print $1, $NF}' | head -30
done
tar czf /tmp/all.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -maxdepth 1 ! -name all.tgz -exec rm -rf {} + && mv /tmp/all.tgz "$OUT/"
