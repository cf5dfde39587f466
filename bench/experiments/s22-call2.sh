#!/usr/bin/env bash
# Twenty-second session, call 2: the bias early as an entry of its own (gemv_split_bias,
# gemv_mma_bias, launched for problems with a bias; the bias-free entries back to their s18
# code) against the committed s22 kernels (the bias early behind a branch in the one entry), on
# the H200. GPU tests of the changed families and of every decode mode, then qwen's decode three
# times with each binary (the s22 chain table; the any-digest switch for the new one), and the
# qwen probe on the chain's variants with each.
# Build here: the working tree with bench/experiments/s12-any-digest.patch applied, copied to
# target/exp/skinny; HEAD (dd4e025e kernels) copied to target/exp/skinny-s22; then (patch
# reverted) bash bench/build-gpu-tests.sh; bash bench/carry-gz.sh target/exp/skinny
# target/exp/skinny-s22 target/gpu/cuda_backend target/gpu/cuda_decode; carry ["target/carry"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
. bench/lib.sh
unpack_carried
smi
SKINNY_TEST_VARIANTS="dot/* gemv/* mma/*" gpu_test cuda_backend every_cuda_variant 200 backend
gpu_test cuda_decode every_decode_mode_matches 120 decode
export SKINNY_EXPERIMENT_ANY_DIGEST=1
table=bench/results/h200-2026-11-22-s22-dispatch-chain.json
for r in 1 2 3; do
  skinny=./target/exp/skinny-s22
  decode_into "qwen-s22-$r" 150 --model qwen2.5-0.5b --table "$table"
  skinny=./target/exp/skinny
  decode_into "qwen-entry-$r" 150 --model qwen2.5-0.5b --table "$table"
done
variants=(--variants 'dot/m1_r4w1_xw' 'dot/m1_r8w2_xw' 'dot/m1_r4w8_u3_xw' 'dot/m1_grid' 'mma/m8_k8')
skinny=./target/exp/skinny-s22
probe_into "$OUT" probe-s22 200 --shapes qwen2.5-0.5b "${variants[@]}" --time-cap-ms 60
skinny=./target/exp/skinny
probe_into "$OUT" probe-entry 200 --shapes qwen2.5-0.5b "${variants[@]}" --time-cap-ms 60
pack
