#!/usr/bin/env bash
# Twenty-first session, call 1: the fused MLP (mlp.cu: a layer's gate_up and down in one kernel,
# down's output an f32 accumulator that the next product reads through gemv_split's X_F32 build)
# on the H200. Its GPU test (a chain of uneven splits, bf16 and f16, every grid it can run), then
# qwen's decode with the s18 chain table at the fused MLP's default grid (3 blocks a SM) and at 2
# and 1 blocks a SM. Every run also times the plain PDL chain, the yardstick.
# Build here: commit 8d8aa23 with bench/experiments/s12-any-digest.patch applied (the s18 table's
# picks on changed kernel sources), copied to target/exp/skinny; and bash bench/build-gpu-tests.sh.
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
decode_into qwen-default 150 --model qwen2.5-0.5b --table "$table"
grep -E "mlp" "$OUT/decode-qwen-default.log" | head -4
for bps in 2 1; do
  decode_into "qwen-bps$bps" 150 --model qwen2.5-0.5b --table "$table" --mlp-blocks-per-sm "$bps"
  grep -E "mlp" "$OUT/decode-qwen-bps$bps.log" | head -4
done
pack
