#!/usr/bin/env bash
# Sixteenth session, call 11: ncu on 16×28672×4096 (llama gate_up at M = 16), where every skinny
# kernel runs 10-20 % slower than at M = 8 and cuBLAS does not move: cuBLAS, the ring and
# gemv_mma at M = 16, the ring at M = 8 for contrast. One cold launch each, the caches flushed
# (ncu's default), clocks as they are. HEAD's build (digest 59d673b1). Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
ncu=/usr/local/cuda/bin/ncu
mkdir -p ncu-in
profile() { # name m variant kernel-regex
  timeout 60 "$ncu" --clock-control none -k "regex:$4" --launch-skip 2 --launch-count 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section MemoryWorkloadAnalysis_Tables \
    --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats \
    --metrics dram__bytes_read.sum,lts__t_sectors_srcunit_tex_op_read.sum,lts__t_requests_srcunit_tex_op_read.sum \
    -o "ncu-in/ncu-$1" $skinny probe --backend cuda --shape "$2,28672,4096" --variants "$3" \
    --time-cap-ms 5 --json "$OUT/ncu-$1-probe.json" >"$OUT/ncu-$1.log" 2>&1
  echo "ncu $1: exit $?"
}
profile m16-cublas 16 cublas/gemm nvjet
profile m16-ring 16 ring/m16_w4t4s2x4_rl gemv_mma_ring
profile m16-mma 16 mma/m16_s4 gemv_mma
profile m8-ring 8 ring/m8_w4t2s2x3_rl gemv_mma_ring
for f in ncu-in/*.ncu-rep; do
  b=$(basename "$f" .ncu-rep)
  "$ncu" --import "$f" --page raw >"$OUT/$b.raw.txt" 2>&1
  "$ncu" --import "$f" --page details --print-details all >"$OUT/$b.details.txt" 2>&1
  echo "== $b"
  grep -E "Duration|DRAM Throughput|L2 Cache Throughput|L1/TEX Hit|Grid Size|Block Size|Registers Per|Dynamic Shared|Achieved Active|Achieved Occupancy" "$OUT/$b.details.txt" | awk '{print $1,$2,$3,$NF}' | head -12
  grep -E "dram__bytes_read.sum |lts__t_(requests|sectors)_srcunit_tex_op_read.sum |smsp__average_warp_latency_issue_stalled_[a-z_]*.ratio |smsp__pcsamp_warps_issue_stalled_(long_scoreboard|barrier|mio_throttle|lg_throttle|math_pipe_throttle|short_scoreboard|wait|not_selected|selected) " "$OUT/$b.raw.txt" | awk '{print $1, $NF}' | head -30
done
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
