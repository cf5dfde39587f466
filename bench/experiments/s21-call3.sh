#!/usr/bin/env bash
# Twenty-first session, call 3: the fused MLP v2 on the H200. W1 and W2T are streamed through
# registers as gemv_split's loads are (v1, calls 1-2, copied a block's runs to 75-204 KB of shared
# memory with cp.async and lost 3.8 µs a layer even without its adds); 2 blocks a SM. The GPU test,
# then qwen's decode with the s18 chain table at MLP_ADDS 2 (vector adds, the default), 1 and 0
# (no adds: wrong, timed only).
# Build here: commit 8cf1983 ("Fused MLP v2") with bench/experiments/s12-any-digest.patch and
# bench/experiments/s21-mlp-defines.patch applied, copied to target/exp/skinny; and
# bash bench/build-gpu-tests.sh.
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
decode_into qwen-adds2-again 150 "${qwen[@]}"
pack
