#!/usr/bin/env bash
# Thirty-seventh session, call 8 (experiment; needs RING_PAD_KB, kept in
# bench/experiments/s37-pad.patch): wg/m16_s8p_b2 beside its 2- and 4-stage twins padded to its
# 81 KB of shared memory, and the 2-stage build unpadded (bench/experiments/registry-s37-pad.toml):
# gpu_cold, hot and graph, to part shared memory from W in flight in the wgmma stream cost.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s37-pad.toml)
SHOWN=8 timed_probe probe 200 "${add[@]}" --shape 16,9728,896 --shape 16,896,896 \
  --shape 16,4096,4096 --shape 8,9728,896 --time-cap-ms 20 \
  --variants 'exp/*' wg/m16_s8p_b2 mma/m16_t2s2_b4_pf cublas/gemm
hot_cold probe
