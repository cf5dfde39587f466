#!/usr/bin/env bash
# Thirty-second session, call 7: the nn cluster kernels with an L2 prefetch of W, and M = 2 and 4
# builds with 8 rows of W in flight a thread (bench/experiments/registry-s32-nn.toml). The binary
# is built with bench/experiments/s32-nn-prefetch.patch applied (gemv_nn_cluster takes PREFETCH;
# with PREFETCH 0 its loads are __ldg as before, so the registered nn builds are HEAD's code).
# Build: git apply the patch, cargo build --release, bash bench/carry-gz.sh target/release/skinny;
# carry ["target/carry"].
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s32-nn.toml)
edge_check 120 "${add[@]}" --variants 'exp/*' --layout nn
shapes_at "1" "896,896 1152,896,bias 896,4864 9728,896 151936,896 4096,4096 6144,4096 4096,14336 28672,4096"
SHOWN=8 timed_probe probe-m1 200 "${add[@]}" "${shapes[@]}" --layout nn --time-cap-ms 20 \
  --variants 'gemv/nn*' 'exp/nn_*m1*' cublas/gemm cublas/gemm+bias cublaslt/matmul
shapes_at "2 4" "896,896 1152,896,bias 896,4864 9728,896 4096,4096 6144,4096 4096,14336 28672,4096"
SHOWN=8 timed_probe probe-mx 200 "${add[@]}" "${shapes[@]}" --layout nn --time-cap-ms 20 \
  --variants gemv/nn gemv/nn_cl8 'exp/nn_*m2*' 'exp/nn_*m4*' cublas/gemm cublas/gemm+bias cublaslt/matmul
SHOWN=4 timed_probe probe-mx-nt 100 "${shapes[@]}" --layout nt --time-cap-ms 20 --variants \
  mma/c4_m2_u4_b8 mma/c2_m4_w8s2_b4 mma/c2_m4_u4_b8_tail mma/m8_s4_pf cublas/gemm cublas/gemm+bias
