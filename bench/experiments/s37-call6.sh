#!/usr/bin/env bash
# Thirty-seventh session, call 6 (experiment; needs gemv_wgmma's XMAP_PF parameter, kept in
# bench/experiments/s37-xmap.patch): four registered wgmma builds beside twins that prefetch x's
# tensor map (bench/experiments/registry-s37-xmap.toml), gpu_cold, hot and graph, with gemv_mma's
# M = 16 winner and cuBLAS for scale.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s37-xmap.toml)
shapes=()
shapes_at "8 16" "9728,896 4096,4096"
shapes+=(--shape 16,28672,4096 --shape 16,896,896)
SHOWN=8 timed_probe probe 240 "${add[@]}" "${shapes[@]}" --time-cap-ms 20 \
  --variants 'exp/*' wg/m16_s8p_b2 wg/m16_s4p_r wg/m16_r2s4p_r wg/m8_s6_b2 mma/m16_t2s2_b4_pf \
  cublas/gemm
hot_cold probe
