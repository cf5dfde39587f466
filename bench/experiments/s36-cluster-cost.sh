#!/usr/bin/env bash
# Thirty-sixth session: what a thread-block cluster costs a call (run after the re-tune's final
# part, in the same call). bench/experiments/registry-s36-cluster-cost.toml's one build at CLUSTER
# 1, 2, 4, 8, 9 and 16 on 1×64×64 nn (one column tile: nothing to stream) and 1×64×4096 nn, with
# gemv/nn_cl16_u10_m1_xs and the nt winner mma/c8_m1_w5u4_tail on 1×64×4096 for scale. Into
# $OUT/cluster-cost (its own folder: the caller packs $OUT).
set -uo pipefail
. bench/lib.sh
set -f
mkdir -p "$OUT/cluster-cost"
OUT=$OUT/cluster-cost timed_probe probe 90 --add-registry bench/experiments/registry-s36-cluster-cost.toml \
  --shape 1,64,64,nn --shape 1,64,4096,nn --shape 1,64,4096 --time-cap-ms 20 \
  --variants 'exp/*' gemv/nn_cl16_u10_m1_xs mma/c8_m1_w5u4_tail cublas/gemm
