#!/usr/bin/env bash
# Twentieth session, call 1: the tagged chain (exchange words between gemv_split products instead
# of PDL's grid wait) on the H200. The GPU test of the tagged mode on the awkward chain (bf16,
# f16), then decode of qwen (three runs, for the spread) and llama with the s18 chain table.
# Build here: commit a3d0b19 (the tagged chain's first version, in which each lane re-read its own
# words of x from L2; not kept: bench/experiments/s20-tagged.patch holds the second) with
# bench/experiments/s12-any-digest.patch applied (the s18 table's picks on changed kernel
# sources), copied to target/exp/skinny; and bash bench/build-gpu-tests.sh.
# Carry ["target/exp/skinny", "target/gpu/cuda_decode"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/exp/skinny
. bench/lib.sh
smi
start=$SECONDS
timeout 240 ./target/gpu/cuda_decode --ignored --test-threads 1 a_tagged_chain >"$OUT/gpu-test.log" 2>&1
echo "gpu test: exit $? ($((SECONDS - start)) s)"
grep -E "test result|panicked|FAILED" "$OUT/gpu-test.log" | head -5
export SKINNY_EXPERIMENT_ANY_DIGEST=1
table=bench/results/h200-2026-11-21-s18-dispatch-chain.json
for run in 1 2 3; do
  start=$SECONDS
  timeout 150 $skinny decode --model qwen2.5-0.5b --table "$table" \
    --json "$OUT/decode-qwen-$run.json" >"$OUT/decode-qwen-$run.log" 2>&1
  echo "qwen run $run: exit $? ($((SECONDS - start)) s)"
  grep -E "floor|skinny-graph|read chain|tagged|error" "$OUT/decode-qwen-$run.log" | head -12
done
start=$SECONDS
timeout 200 $skinny decode --model llama-3-8b --table "$table" \
  --json "$OUT/decode-llama.json" >"$OUT/decode-llama.log" 2>&1
echo "llama: exit $? ($((SECONDS - start)) s)"
grep -E "floor|skinny-graph|read chain|tagged|error" "$OUT/decode-llama.log" | head -12
pack
