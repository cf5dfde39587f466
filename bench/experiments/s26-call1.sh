#!/usr/bin/env bash
# Twenty-sixth session, call 1: gemv_wgmma with CLUSTER (x's boxes multicast over a cluster of
# neighbouring row tiles; registry-s26-cluster.toml), each beside its twin without a cluster.
# The binary has the wgmma split sums of s25-wg-sums.patch too (now in the sources). Edge set at
# every row count; memcheck and racecheck of the clustered variants on three shapes; then the
# M-bar shapes timed beside the registered winners and cuBLAS, cold and hot. Carry
# target/release/skinny gzipped (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s26-cluster.toml"
new="wg/m16_s4p_r wg/m16_s4p_r_c2 wg/m16_s4p_r_c4 wg/m16_s8p_b2_c4 wg/m16_r2s6p_r_c4 wg/m16_r2s6p_r"
new="$new wg/m8_s6p_r wg/m8_s6p_r_c4"
# shellcheck disable=SC2086
edge_check 150 $add --variants $new
for tool in memcheck racecheck; do
  # shellcheck disable=SC2086
  timeout 120 /usr/local/cuda/bin/compute-sanitizer --tool $tool $skinny probe --backend cuda $add \
    --variants wg/m16_s4p_r_c4 wg/m8_s6p_r_c4 --shape 16,9728,896 --shape 5,1000,4104,bias \
    --shape 16,140000,64 --time-cap-ms 1 --json "$OUT/$tool-probe.json" >"$OUT/$tool.log" 2>&1
  echo "$tool: exit $?"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|hazard" "$OUT/$tool.log" | head -3
done
shapes_at "4 8 16" "28672,4096 9728,896"
shapes+=(--shape 16,128256,4096 --shape 16,151936,896 --shape 16,4096,14336 --shape 16,6144,4096)
# shellcheck disable=SC2086
timed_probe probe 330 $add "${shapes[@]}" --variants $new wg/m16_s4_r wg/m16_s8p_b2 wg/m8_s6_b2 \
  mma/m8_l8 ring/m8_w4t2s2x3_rl cublas/gemm --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/probe.json" | tee "$OUT/hot-cold.txt"
pack
