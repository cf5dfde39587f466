#!/usr/bin/env bash
# Twentieth session, call 1: the tagged chain (exchange words between gemv_split products instead
# of PDL's grid wait) on the H200. The GPU test of the tagged mode on the awkward chain (bf16,
# f16), then decode of qwen (three runs, for the spread) and llama with the s18 chain table.
# Build here: commit a3d0b19 (the tagged chain's first version, in which each lane re-read its own
# words of x from L2; not kept: bench/experiments/s20-tagged.patch holds the second) with
# bench/experiments/s12-any-digest.patch applied (the s18 table's picks on changed kernel
# sources), copied to target/exp/skinny; and bash bench/build-gpu-tests.sh.
# Carry ["target/exp/skinny", "target/gpu/cuda_decode"].
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
for run in 1 2 3; do
  decode_into "qwen-$run" 150 --model qwen2.5-0.5b --table "$table"
done
decode_into llama 200 --model llama-3-8b --table "$table"
pack
