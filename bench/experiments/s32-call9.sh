#!/usr/bin/env bash
# Thirty-second session, call 9: gemv_nn_cluster with double-buffered steps (PIPE;
# bench/experiments/s32-nn-pipe.patch applied to the binary, builds in
# bench/experiments/registry-s32-pipe.toml). The SASS of two PIPE builds (bf16 cubins from the dev
# machine's NVRTC, carried untracked in diag-s32/), the edge set on every exp/ build, then the nn
# shapes of both models at M = 1 (the PIPE builds beside their registered twins) and at M = 2 and
# 4 (beside gemv/nn_cl8 and call 7's unpipelined M ≤ 2 build). Build: git apply the patch, cargo
# build --release, bash bench/carry-gz.sh target/release/skinny; carry ["target/carry"].
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
for f in $(find diag-s32 -name '*.cubin' | sort); do
  /usr/local/cuda/bin/cuobjdump -sass "$f" >"$OUT/sass-$(basename "$f" .cubin).txt" 2>&1
done
add=(--add-registry bench/experiments/registry-s32-pipe.toml)
edge_check 120 "${add[@]}" --variants 'exp/*' --layout nn
shapes_at "1" "896,896 1152,896,bias 896,4864 9728,896 151936,896 4096,4096 6144,4096 4096,14336 28672,4096"
SHOWN=8 timed_probe probe-m1 200 "${add[@]}" "${shapes[@]}" --layout nn --time-cap-ms 20 \
  --variants gemv/nn_cl8_c128_m1 gemv/nn_cl4_c128_m1 gemv/nn_cl16_m1 gemv/nn_cl16_u10_m1 \
  gemv/nn_c256_m1 'exp/*_m1_*' cublas/gemm cublaslt/matmul
shapes_at "2 4" "896,896 1152,896,bias 896,4864 9728,896 4096,4096 6144,4096 4096,14336 28672,4096"
SHOWN=8 timed_probe probe-mx 200 "${add[@]}" "${shapes[@]}" --layout nn --time-cap-ms 20 \
  --variants gemv/nn_cl8 'exp/*_m2_*' 'exp/*_m4_*' cublas/gemm cublaslt/matmul
