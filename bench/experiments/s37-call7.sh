#!/usr/bin/env bash
# Thirty-seventh session, call 7 (experiment, registry only): wg/m16_s8p_b2 beside itself at
# STAGES 2, 3, 4 and 6 (bench/experiments/registry-s37-stages.toml): gpu_cold, hot and graph, to
# see whether the wgmma stream cost follows the dynamic shared memory a block asks for.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s37-stages.toml)
SHOWN=8 timed_probe probe 200 "${add[@]}" --shape 16,9728,896 --shape 16,896,896 \
  --shape 16,4096,4096 --shape 8,9728,896 --time-cap-ms 20 \
  --variants 'exp/*' wg/m16_s8p_b2 mma/m16_t2s2_b4_pf cublas/gemm
hot_cold probe
