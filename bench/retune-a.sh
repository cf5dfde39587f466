#!/usr/bin/env bash
# Re-tune call A, for any session: the plain GPU test of every tensor-core and CUDA-core family
# and the decode test, then bench/retune-run.sh's parts m1 and grid (555 s on the H200, s24). Takes
# from the environment RUN (the result prefix, e.g. bench/results/h200-DATE-sNN-retune) and
# NEW_VARIANTS (the new or changed variants' globs: the sanitizers run on them), and PART (default
# "m1 grid"; "m1" alone when the two would pass the device's 600 s a call). Then retune-run.sh
# itself for the rest: the mbar parts, nnmx, and final with RUN and CHAIN_TABLE, in as many calls
# as its header's wall times need (six in all in s31–s32). (The sNN-retune-a.sh scripts
# of sessions 17-23 did this with the session's values written in.)
# Build here: cargo build --release && bash bench/build-gpu-tests.sh, then bash bench/carry-gz.sh
# target/release/skinny target/gpu/cuda_backend target/gpu/cuda_decode; carry ["target/carry"].
set -uo pipefail
set -f
: "${RUN:?RUN must name the result prefix}" "${NEW_VARIANTS:?NEW_VARIANTS: globs of the new variants}"
. bench/lib.sh
unpack_carried
SKINNY_TEST_VARIANTS="dot/* gemv/* mma/* ring/* xres/* wg/*" gpu_test cuda_backend every_cuda_variant 200 changed-families
gpu_test cuda_decode every_decode_mode_matches 120 decode
export NEW_VARIANTS
PART="${PART:-m1 grid}" OUT=$OUT bash bench/retune-run.sh
