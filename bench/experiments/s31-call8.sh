#!/usr/bin/env bash
# Thirty-first session, call 8: gemv_nn_cluster with its bias requested with the first W
# (bench/experiments/s31-nn-bias.patch: an entry gemv_nn_cluster_bias). target/exp/skinny and
# target/gpu/cuda_backend are built with the patch, target/release/skinny without (HEAD). The GPU
# test, memcheck and racecheck of every nn variant (the bias entry is new), the edge set on them,
# then the same probe of the nn bias shapes (and bias-free controls, and the nt figures the nn bar
# is measured against) with both binaries. Build: apply the patch, cargo build --release, copy
# the binary to target/exp/skinny, bash bench/build-gpu-tests.sh, revert, build HEAD; then
# bash bench/carry-gz.sh target/release/skinny target/exp/skinny target/gpu/cuda_backend.
# (Its timeouts add up past the device's 600 s a call; it ran in 321 s, racecheck the 200 of
# them it was allowed. Call 9 racechecks two builds.)
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
variant_test "gemv/nn*" gpu-test 120
variant_test "gemv/nn*" memcheck 150 "$SANITIZER" --tool memcheck
variant_test "gemv/nn*" racecheck 200 "$SANITIZER" --tool racecheck
skinny=target/exp/skinny edge_check 90 --variants 'gemv/nn*' --layout nn
shapes_at "1 2 4" "1152,896,bias 2048,1536,bias"
args=("${shapes[@]}" --shape 1,896,896 --shape 1,896,4864 --shape 1,4096,4096,bias --time-cap-ms 20)
for build in exp release; do
  skinny=target/$build/skinny SHOWN=8 timed_probe "probe-nn-$build" 150 "${args[@]}" \
    --layout nn --variants 'gemv/nn*' cublas/gemm cublas/gemm+bias cublaslt/matmul
done
skinny=target/release/skinny SHOWN=4 timed_probe probe-nt 90 "${shapes[@]}" --shape 1,896,896 \
  --shape 1,896,4864 --shape 1,4096,4096,bias --layout nt --time-cap-ms 20 --variants \
  mma/c2_m4_w8s2_b4 mma/c2_m4_u4_b8_tail mma/c8_m1_u4 mma/c2_m8_w8t2u4_b2 mma/c8_m1_u4_b8 cublas/gemm
