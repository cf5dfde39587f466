#!/usr/bin/env bash
# Twenty-second session, re-tune call A: gemv_split and gemv_mma request the bias with the first
# W (calls 1's change), persistent.cu's tag is never 0, and two tidy-ups (mma_ring's step_at,
# wgmma's ROW_BLOCK_BYTES) moved the sources digest, so every table is re-tuned. First the plain
# GPU test of every changed kernel family and the decode test (the persistent chain among its
# modes), then bench/retune-run.sh's parts m1 and grid, with the sanitizers on one variant of
# each changed path (NEW_VARIANTS below).
# Build here: cargo build --release && bash bench/build-gpu-tests.sh, then
# bash bench/carry-gz.sh target/release/skinny target/gpu/cuda_backend target/gpu/cuda_decode;
# carry ["target/carry"]. RUN (default bench/results/h200-2026-11-22-s22-retune; the second
# re-tune of the session: ...-s22b-retune).
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
unpack_carried
SKINNY_TEST_VARIANTS="dot/* gemv/* mma/* ring/* xres/* wg/*" gpu_test cuda_backend every_cuda_variant 200 changed-families
gpu_test cuda_decode every_decode_mode_matches 120 decode
export NEW_VARIANTS="dot/m1_r4w1_xw dot/m1_grid gemv/multirow4 mma/m8_k8 ring/m8_w4t2s2x3_rl wg/m8_s6_b2"
PART="m1 grid" RUN=${RUN:-bench/results/h200-2026-11-22-s22-retune} OUT=$OUT bash bench/retune-run.sh
