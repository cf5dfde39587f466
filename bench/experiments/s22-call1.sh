#!/usr/bin/env bash
# Twenty-second session, call 1: the bias requested with the first W (gemv_split and gemv_mma)
# against the unchanged kernels, on the H200. GPU tests of the changed kernels (every shape of
# the backend test, every decode mode on the awkward chain), then qwen's decode three times with
# each binary (the s18 chain table, through the any-digest switch), the qwen probe with and without
# bias on the chain's variants, and llama once with each (last: it has no bias).
# Build here: the working tree with bench/experiments/s12-any-digest.patch applied, copied to
# target/exp/skinny; the same without the two .cu changes, copied to target/exp/skinny-base;
# then (patch reverted) bash bench/build-gpu-tests.sh.
# Carry those four gzipped: bash bench/carry-gz.sh target/exp/skinny target/exp/skinny-base
# target/gpu/cuda_backend target/gpu/cuda_decode, then carry ["target/carry"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
. bench/lib.sh
unpack_carried
smi
SKINNY_TEST_VARIANTS="dot/* gemv/* mma/*" gpu_test cuda_backend every_cuda_variant 200 backend
gpu_test cuda_decode every_decode_mode_matches 200 decode
export SKINNY_EXPERIMENT_ANY_DIGEST=1
table=bench/results/h200-2026-11-21-s18-dispatch-chain.json
for r in 1 2 3; do
  skinny=./target/exp/skinny-base
  decode_into "qwen-base-$r" 150 --model qwen2.5-0.5b --table "$table"
  skinny=./target/exp/skinny
  decode_into "qwen-early-$r" 150 --model qwen2.5-0.5b --table "$table"
done
variants=(--variants 'dot/m1_r4w1_xw' 'dot/m1_r8w2_xw' 'dot/m1_grid' 'mma/m8_k8' 'cublas*')
skinny=./target/exp/skinny-base
probe_into "$OUT" probe-base 200 --shape 1,1152,896 "${variants[@]}" --time-cap-ms 100
skinny=./target/exp/skinny
probe_into "$OUT" probe-early 200 --shape 1,1152,896 "${variants[@]}" --time-cap-ms 100
skinny=./target/exp/skinny-base
decode_into llama-base 150 --model llama-3-8b --table "$table"
skinny=./target/exp/skinny
decode_into llama-early 150 --model llama-3-8b --table "$table"
pack
