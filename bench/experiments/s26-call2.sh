#!/usr/bin/env bash
# Twenty-sixth session, call 2: call 1's clustered gemv_wgmma variants with the remote "empty"
# arrivals at the CTA scope (no release at the cluster scope, which compiles to a GPU-wide
# MEMBAR) and relaxed cluster barriers. Edge set, then the long shapes beside the twins and
# cuBLAS. Carry target/release/skinny gzipped.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s26-cluster.toml"
new="wg/m16_s4p_r wg/m16_s4p_r_c2 wg/m16_s4p_r_c4 wg/m16_r2s6p_r_c4 wg/m16_r2s6p_r"
new="$new wg/m8_s6p_r wg/m8_s6p_r_c4 wg/m16_s8p_b2_c4"
# shellcheck disable=SC2086
edge_check 150 $add --variants $new
shapes_at "4 8 16" "28672,4096"
shapes+=(--shape 16,9728,896 --shape 16,128256,4096 --shape 16,4096,14336)
# shellcheck disable=SC2086
timed_probe probe 250 $add "${shapes[@]}" --variants $new wg/m16_s4_r wg/m16_s8p_b2 \
  cublas/gemm --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/probe.json" | tee "$OUT/hot-cold.txt"
pack
