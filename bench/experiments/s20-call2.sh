#!/usr/bin/env bash
# Twentieth session, call 2: the tagged chain v2 (x staged once a block from the exchange words,
# in shared memory) on the H200: the GPU test of the tagged mode, then qwen and llama decode with
# the s18 chain table, with every tagged build reading words and with only those of at most 4096
# blocks reading them (SKINNY_EXPERIMENT_TAG_MAX_BLOCKS; the larger grids read plain x behind a
# grid wait). Build here: c6eec6f with bench/experiments/s20-tagged.patch and then
# bench/experiments/s20-experiment-knobs.patch applied, copied to target/exp/skinny; and
# bash bench/build-gpu-tests.sh (with both). Carry ["target/exp/skinny", "target/gpu/cuda_decode"].
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
decode() {
  local name=$1 model=$2 max=$3 start=$SECONDS
  SKINNY_EXPERIMENT_TAG_MAX_BLOCKS=$max timeout 200 $skinny decode --model "$model" --table "$table" \
    --json "$OUT/decode-$name.json" >"$OUT/decode-$name.log" 2>&1
  echo "$name: exit $? ($((SECONDS - start)) s)"
  grep -E "floor|skinny-graph-pdl|skinny-graph-tagged|error" "$OUT/decode-$name.log" | head -6
}
decode qwen-all-1 qwen2.5-0.5b 100000000
decode qwen-4096-1 qwen2.5-0.5b 4096
decode qwen-all-2 qwen2.5-0.5b 100000000
decode qwen-4096-2 qwen2.5-0.5b 4096
decode llama-4096 llama-3-8b 4096
decode llama-all llama-3-8b 100000000
pack
