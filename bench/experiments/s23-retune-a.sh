#!/usr/bin/env bash
# Twenty-third session, re-tune call A: two new variants (mma/m16_k16, mma/m16_t2s4p), the
# early-bias helper in common.cuh with three stale kernel comments (the sources digest moves),
# and the probe's bias rotating with each weight copy (the bias shapes' cold figures move), so
# every table is re-tuned. First the plain GPU test of every kernel family and the decode test,
# then bench/retune-run.sh's parts m1 and grid, with the sanitizers on one variant of each
# changed path and on the new ones (NEW_VARIANTS below).
# Build here: cargo build --release && bash bench/build-gpu-tests.sh, then
# bash bench/carry-gz.sh target/release/skinny target/gpu/cuda_backend target/gpu/cuda_decode;
# carry ["target/carry"]. RUN (default bench/results/h200-2026-11-22-s23-retune).
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
unpack_carried
SKINNY_TEST_VARIANTS="dot/* gemv/* mma/* ring/* xres/* wg/*" gpu_test cuda_backend every_cuda_variant 200 changed-families
gpu_test cuda_decode every_decode_mode_matches 120 decode
export NEW_VARIANTS="dot/m1_r4w1_xw dot/m1_grid mma/m8_k8 mma/m16_k16 mma/m16_t2s4p"
PART="m1 grid" RUN=${RUN:-bench/results/h200-2026-11-22-s23-retune} OUT=$OUT bash bench/retune-run.sh
