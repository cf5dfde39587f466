#!/usr/bin/env bash
# Thirty-seventh session, call 1: split gemv/nn_cl16_u10_m1_xs's 0.9 µs over the nt winner on
# 1×896×4864 (5.67 against 4.77) into the cluster, the block count and the nn access pattern.
# bench/experiments/registry-s37-nn-split.toml: the winner's parameters at CLUSTER 1..16. Shapes
# 1×(14336/c)×(304·c) nn give CLUSTER c 224 blocks of 304 rows (the winner's grid without, or
# with smaller, clusters); 1×57344×76 and 1×28672×152 nn give CLUSTER 1 896 and 448 blocks. The
# nt winner on 1×896×4864 and 1×57344×76 for scale. Every figure (cold, hot, graph) is kept in
# the probe JSON; bench/tools/cold_hot.py prints cold beside hot.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s37-nn-split.toml)
shapes_at 1 "896,4864,nn 1792,2432,nn 3584,1216,nn 7168,608,nn 14336,304,nn 28672,152,nn
  57344,76,nn"
SHOWN=12 timed_probe probe 300 "${add[@]}" "${shapes[@]}" --shape 1,896,4864 --shape 1,57344,76 \
  --time-cap-ms 20 --variants 'exp/*' gemv/nn_cl16_u10_m1_xs mma/c8_m1_w5u4_tail dot/m1_u5_xw \
  cublas/gemm
hot_cold probe
