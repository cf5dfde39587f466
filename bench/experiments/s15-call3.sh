#!/usr/bin/env bash
# Fifteenth session, call 3: what the L2 and the warps do. ncu's details (every breakdown table)
# and raw pages of call 1's reports (ncu-in/*.ncu-rep, carried as untracked files), and new
# reports of cuBLAS's kernel at M = 8 and the best ring variants (call 2) on llama gate_up.
# Apply bench/experiments/s15-mma-ring.patch first. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s15-ring.toml
ncu=/usr/local/cuda/bin/ncu
profile() { # name m variant kernel-regex
  timeout 60 "$ncu" --clock-control none -k "regex:$4" --launch-skip 2 --launch-count 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section MemoryWorkloadAnalysis_Tables \
    --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats \
    --metrics dram__bytes_read.sum,lts__t_sectors_srcunit_tex_op_read.sum,lts__t_requests_srcunit_tex_op_read.sum \
    -o "ncu-in/ncu-$1" $skinny probe --backend cuda --registry $reg --shape "$2,28672,4096" --variants "$3" \
    --time-cap-ms 5 --json "$OUT/ncu-$1-probe.json" >"$OUT/ncu-$1.log" 2>&1
  echo "ncu $1: exit $?"
}
profile m8-cublas 8 cublas/gemm nvjet
profile m8-ring-r 8 ring/m8_w4t2s2x6_r gemv_mma_ring
profile m1-ring-w8r 1 ring/m8_w8t1s2x6_r gemv_mma_ring
for f in ncu-in/*.ncu-rep; do
  b=$(basename "$f" .ncu-rep)
  "$ncu" --import "$f" --page raw >"$OUT/$b.raw.txt" 2>&1
  "$ncu" --import "$f" --page details --print-details all >"$OUT/$b.details.txt" 2>&1
  echo "== $b"
  grep -E "Duration|DRAM Throughput|L2 Cache Throughput|Grid Size|Block Size|Registers Per|Dynamic Shared|Static Shared|Achieved Active" "$OUT/$b.details.txt" | awk '{print $1,$2,$3,$NF}' | head -12
  grep -E "lts__t_(requests|sectors)_srcunit_tex_op_read.sum |lts__t_tag_requests.sum |lts__d_|lts__xbar2lts|lts__lts2xbar|ltc__|l1tex__m_|dram__cycles|issue_stalled_[a-z_]*_per_warp_active.pct " "$OUT/$b.raw.txt" | awk '{print $1, $NF}' | head -60
done
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
