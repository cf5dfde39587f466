#!/usr/bin/env bash
# Twenty-first session, call 2: why the fused MLP lost in call 1 (433 µs against PDL's 322).
# The kernel now zeroes nothing (one memset of every layer's accumulator starts the step) and adds
# a block's sums with red.global.add.v4.f32 (MLP_ADDS = 2) by default. The GPU test again, then
# qwen's decode with the s18 chain table: MLP_ADDS 2, 1 (scalar atomics, call 1's) and 0 (no adds:
# wrong, timed only) at the default grid (3 blocks a SM), MLP_ADDS 2 at 2 blocks a SM; then ncu on
# one fused-MLP launch of a decode run (serialised: its own duration and DRAM activity), with and
# without the adds.
# Build here: commit 38fe0c3 (memset and MLP_ADDS) with
# bench/experiments/s12-any-digest.patch and bench/experiments/s21-mlp-defines.patch applied
# (SKINNY_EXPERIMENT_MLP_DEFINES; the patch file as of that commit), copied to target/exp/skinny;
# and bash bench/build-gpu-tests.sh.
# Carry ["target/exp/skinny", "target/gpu/cuda_decode"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/exp/skinny
. bench/lib.sh
smi
gpu_test cuda_decode the_fused_mlp_chain 240
export SKINNY_EXPERIMENT_ANY_DIGEST=1
table=bench/results/h200-2026-11-21-s18-dispatch-chain.json
qwen=(--model qwen2.5-0.5b --table "$table")
for adds in 2 1 0; do
  SKINNY_EXPERIMENT_MLP_DEFINES="MLP_ADDS=$adds" decode_into "qwen-adds$adds" 150 "${qwen[@]}"
done
decode_into qwen-adds2-bps2 150 "${qwen[@]}" --mlp-blocks-per-sm 2
mkdir -p ncu-in
for adds in 2 0; do
  SKINNY_EXPERIMENT_MLP_DEFINES="MLP_ADDS=$adds" timeout 150 /usr/local/cuda/bin/ncu --clock-control none \
    -k regex:mlp_fused --launch-skip 30 --launch-count 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats \
    --section WarpStateStats --metrics dram__bytes_read.sum,dram__cycles_active.avg.pct_of_peak_sustained_elapsed \
    -o "ncu-in/ncu-mlp-adds$adds" $skinny decode "${qwen[@]}" --time-cap-ms 20 \
    --json "$OUT/ncu-decode-adds$adds.json" >"$OUT/ncu-mlp-adds$adds.log" 2>&1
  echo "ncu adds $adds: exit $?"
done
ncu_reports
pack
