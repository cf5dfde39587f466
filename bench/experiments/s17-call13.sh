#!/usr/bin/env bash
# Seventeenth session, call 13: is cuBLAS's bimodal time on 8×28672×4096 (58.3 µs in calls 4, 7,
# 8; 62.8 in call 12) a choice between two kernels, or one kernel at two speeds? Six separate
# probe processes of cublas/gemm alone (gpu_cold), then ncu on four more processes naming the
# kernels each one launches and their durations. (As run, the ncu part caught only the
# ceilings' read kernels; call 14 filters on cuBLAS's kernel names.)
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
ncu=/usr/local/cuda/bin/ncu
for i in 1 2 3 4 5 6; do
  timeout 60 $skinny probe --backend cuda --shape 8,28672,4096 --shape 16,28672,4096 --variants cublas/gemm \
    --time-cap-ms 100 --json "$OUT/probe-$i.json" >"$OUT/probe-$i.log" 2>&1
  python3 - "$OUT/probe-$i.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(sys.argv[1].rsplit("/", 1)[1], " ".join(
    f"m{r['shape']['problem']['m']}: {r['timings']['gpu_cold_us']['median']:.2f}" for r in d["runs"]))
PY
done
for i in 1 2 3 4; do
  timeout 90 "$ncu" --clock-control none --launch-skip 10 --launch-count 6 --metrics gpu__time_duration.sum \
    $skinny probe --backend cuda --shape 8,28672,4096 --variants cublas/gemm --time-cap-ms 5 \
    --json "$OUT/ncu-probe-$i.json" >"$OUT/ncu-$i.log" 2>&1
  echo "== ncu process $i"
  grep -E "Context|gpu__time_duration" "$OUT/ncu-$i.log" | sed -E 's/\s+/ /g' | cut -c1-150 | head -12
done
tar czf /tmp/all.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -maxdepth 1 ! -name all.tgz -exec rm -rf {} + && mv /tmp/all.tgz "$OUT/"
