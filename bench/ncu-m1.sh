#!/usr/bin/env bash
# Nsight Compute on single M = 1 kernels, caches flushed between replays (cold, as gpu_cold_us),
# clocks left alone. Kernel duration without launch gaps, DRAM bytes and throughput, stalls.
#   bash bench/ncu-m1.sh SHAPE VARIANT...   (run on the GPU machine; writes to $OUT/ncu-*.csv)
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
shape=$1; shift
metrics=gpu__time_duration.sum,dram__bytes_read.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed,sm__throughput.avg.pct_of_peak_sustained_elapsed,smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio,sm__warps_active.avg.pct_of_peak_sustained_active,launch__grid_size,launch__registers_per_thread
for v in "$@"; do
  tag=$(echo "$shape-$v" | tr '/,' '__')
  ncu --clock-control none --cache-control all --launch-skip 5 --launch-count 3 \
      --kernel-name regex:'^(gemv|gemm|nvjet|sm90|cutlass|Kernel)' --metrics "$metrics" --csv \
      ./target/release/skinny probe --backend cuda --shape "$shape" --variants "$v" \
      --time-cap-ms 2 >"$OUT/ncu-$tag.csv" 2>"$OUT/ncu-$tag.err"
  echo "== $shape $v (exit $?)"
  grep -E "gpu__time_duration|dram__bytes_read|dram__throughput|long_scoreboard|warps_active" "$OUT/ncu-$tag.csv" \
    | awk -F'","' '{print $5, $(NF-2), $(NF-1), $NF}' | head -12
done
