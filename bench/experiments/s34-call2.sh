#!/usr/bin/env bash
# Thirty-fourth session, call 2. (1) gemv_mma with XPASS (bench/experiments/registry-s34-xpass.toml:
# two passes of x over each W fragment, CHUNKS = 2's 128-byte runs at M = 16): the edge set on the
# new builds, then one timed probe at M = 16 on both models' nt shapes and three grid shapes that
# cuBLAS takes at M = 16, beside the registered M = 16 winners and cuBLAS. (2) racecheck of the three
# cluster-16 XSHFL builds that call 1 left unfinished, each split into SHARDS processes
# (SKINNY_TEST_SHARD), all side by side, in the time the call has left.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s34-xpass.toml)
edge_check 150 "${add[@]}" --variants 'exp/*'
nk="896,896 1152,896,bias 896,4864 9728,896 4096,4096 6144,4096 4096,14336 28672,4096 151936,896 128256,4096 1024,8192 16384,8192 65536,2048"
shapes_at "16" "$nk"
SHOWN=8 timed_probe probe 220 "${add[@]}" "${shapes[@]}" --time-cap-ms 20 \
  --variants 'exp/*' wg/m16_r2s4p_r wg/m16_s4p_r wg/m16_s8p_b2 mma/m16_t2s4p_pf mma/m16_l8t2 \
  mma/m16_t2s2_b4_pf mma/m16_k16_pf mma/m16_k8_pf mma/m16_t2u4_tail_b3_pf cublas/gemm cublaslt/matmul
hot_cold probe
left=$((575 - SECONDS))
shards=${SHARDS:-4}
echo "racecheck: $left s left, $shards shards a build"
racecheck_side_by_side "$left" "$shards" gemv/nn_cl16_c128_m2_xs gemv/nn_cl16_m2_xs \
  gemv/nn_cl16_c128_m4_xs
