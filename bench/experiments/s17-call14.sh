#!/usr/bin/env bash
# Seventeenth session, call 14: call 13's ncu part again, filtered on cuBLAS's kernel names (call 13
# caught only the ceilings' read kernels), six processes: which kernel runs 8×28672×4096 in each.
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
ncu=/usr/local/cuda/bin/ncu
for i in 1 2 3 4 5 6; do
  timeout 90 "$ncu" --clock-control none -k "regex:nvjet|gemm|sm90|cutlass|splitK|reduce" --launch-skip 2 --launch-count 4 --metrics gpu__time_duration.sum \
    $skinny probe --backend cuda --shape 8,28672,4096 --variants cublas/gemm --time-cap-ms 5 \
    --json "$OUT/ncu-probe-$i.json" >"$OUT/ncu-$i.log" 2>&1
  echo "== ncu process $i"
  grep -E "Context|gpu__time_duration" "$OUT/ncu-$i.log" | sed -E 's/\s+/ /g' | cut -c1-170 | head -8
done
tar czf /tmp/all.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -maxdepth 1 ! -name all.tgz -exec rm -rf {} + && mv /tmp/all.tgz "$OUT/"
