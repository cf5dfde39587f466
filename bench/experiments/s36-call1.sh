#!/usr/bin/env bash
# Thirty-sixth session, call 1: gemv_nn_cluster with any cluster size in 1..=16 and 32-column
# tiles (the s36 kernel change), so that column tiles × CLUSTER fits the 132 SMs evenly
# (bench/experiments/registry-s36-nn.toml): the edge set on the new builds; a timed probe of the
# seven M = 1 nn shapes of the two models beside the registered nn winners, the nt winners of the
# same shapes and cuBLAS; then ncu on 1×896×4864 (nn winner, nt winner, two new builds) with the
# per-SM spread of active cycles and blocks, to place the nn winner's 0.9 µs over nt.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s36-nn.toml)
edge_check 150 "${add[@]}" --variants 'exp/*'
shapes=()
for s in 896,4864 896,896 1152,896,bias 9728,896 4096,4096 4096,14336 6144,4096; do
  shapes+=(--shape "1,$s,nn" --shape "1,$s")
done
SHOWN=8 timed_probe probe 240 "${add[@]}" "${shapes[@]}" --time-cap-ms 20 \
  --variants 'exp/*' gemv/nn_cl16_u10_m1_xs gemv/nn_cl16_u10_m1 gemv/nn_cl8_c128_m1 \
  gemv/nn_cl8_c128_u6_m1_xs gemv/nn_cl8_c128_u12_m1_xs gemv/nn_cl4_c128_m1 \
  mma/c8_m1_w5u4_tail mma/c2_m4_u4_b8_tail mma/c2_m4_w8s2_b4 mma/c8_m1_u4_b8 mma/m8_s4_pf \
  cublas/gemm cublas/gemm+bias
export NCU_METRICS=gpu__time_duration.sum,dram__bytes_read.sum,sm__cycles_active.min,sm__cycles_active.max,sm__cycles_active.avg,sm__ctas_launched.min,sm__ctas_launched.max,sm__ctas_launched.sum,gpc__cycles_elapsed.max
PROBE_ARGS="${add[*]}"
export PROBE_ARGS
ncu_profile nn-win 1 896 4864,nn gemv/nn_cl16_u10_m1_xs gemv_nn
ncu_profile nt-win 1 896 4864 mma/c8_m1_w5u4_tail gemv_mma
ncu_profile nn-c64cl9 1 896 4864,nn exp/c64_cl9_u16_b2 gemv_nn
ncu_profile nn-c32cl14 1 896 4864,nn exp/c32_cl14_u6_b3 gemv_nn
ncu_reports
for f in $(find "$OUT" -name "ncu-*.raw.txt" | sort); do  # (set -f: no glob; as run, a glob that found nothing)
  echo "== $f"
  grep -E "gpu__time_duration.sum |sm__cycles_active.(min|max|avg) |sm__ctas_launched.(min|max|sum) |gpc__cycles_elapsed.max " "$f" | awk '{print $1, $(NF-1), $NF}'
done
