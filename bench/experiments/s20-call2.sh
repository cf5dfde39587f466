#!/usr/bin/env bash
# Twentieth session, call 2: the tagged chain v2 (x staged once a block from the exchange words,
# in shared memory) on the H200: the GPU test of the tagged mode, then qwen and llama decode with
# the s18 chain table, with every tagged build reading words and with only those of at most 4096
# blocks reading them (SKINNY_EXPERIMENT_TAG_MAX_BLOCKS; the larger grids read plain x behind a
# grid wait). Build here: c6eec6f with bench/experiments/s20-tagged.patch and then
# bench/experiments/s20-experiment-knobs.patch applied, copied to target/exp/skinny; and
# bash bench/build-gpu-tests.sh (with both). Carry ["target/exp/skinny", "target/gpu/cuda_decode"].
# (Rewritten after the run to use bench/lib.sh's gpu_test and decode_into: the same commands and
# files; the summary lines it prints are a superset of the ones the run printed.)
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/exp/skinny
. bench/lib.sh
smi
gpu_test cuda_decode a_tagged_chain 240
export SKINNY_EXPERIMENT_ANY_DIGEST=1
table=bench/results/h200-2026-11-21-s18-dispatch-chain.json
# decode NAME MODEL MAX_BLOCKS: tags read only by grids of at most MAX_BLOCKS blocks.
decode() {
  SKINNY_EXPERIMENT_TAG_MAX_BLOCKS=$3 decode_into "$1" 200 --model "$2" --table "$table"
}
decode qwen-all-1 qwen2.5-0.5b 100000000
decode qwen-4096-1 qwen2.5-0.5b 4096
decode qwen-all-2 qwen2.5-0.5b 100000000
decode qwen-4096-2 qwen2.5-0.5b 4096
decode llama-4096 llama-3-8b 4096
decode llama-all llama-3-8b 100000000
pack
