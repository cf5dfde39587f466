#!/usr/bin/env bash
# Twenty-sixth session, call 4: gemv_wgmma's rotation stride along K (ROT_STRIDE 1, 7, 13, 29,
# 33), a fifth stage and 128-row tiles (registry-s26-rotate.toml), beside the registered winners
# and cuBLAS; then ncu on cuBLAS's kernel on 16×28672×4096. Carry target/release/skinny gzipped.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s26-rotate.toml"
new="wg/m16_s4p_r wg/m16_s4p_r1 wg/m16_s4p_r13 wg/m16_s4p_r29 wg/m16_s4p_r33 wg/m16_s5p_r"
new="$new wg/m16_r2s4p_r"
# shellcheck disable=SC2086
edge_check 150 $add --variants $new
shapes_at "8 16" "28672,4096"
shapes+=(--shape 16,9728,896 --shape 16,128256,4096 --shape 16,4096,14336 --shape 16,6144,4096)
# shellcheck disable=SC2086
timed_probe probe 300 $add "${shapes[@]}" --variants $new wg/m16_s4_r wg/m16_s8p_b2 \
  mma/m8_l8 cublas/gemm --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/probe.json" | tee "$OUT/hot-cold.txt"
export NCU_METRICS="dram__cycles_active.avg.pct_of_peak_sustained_elapsed,dram__bytes_read.sum,lts__t_sectors_srcunit_tex_op_read.sum"
mkdir -p ncu-in
timeout 90 /usr/local/cuda/bin/ncu --clock-control none -k 'regex:nvjet|gemm|Kernel|splitK|reduce|cutlass|sm90' \
  --launch-skip 2 --launch-count 2 --section SpeedOfLight --section LaunchStats --section Occupancy \
  --metrics "$NCU_METRICS" -o ncu-in/ncu-cublas-m16 $skinny probe --backend cuda --shape 16,28672,4096 \
  --variants cublas/gemm --time-cap-ms 5 --json "$OUT/ncu-cublas-probe.json" >"$OUT/ncu-cublas.log" 2>&1
echo "ncu cublas: exit $?"
ncu_profile wg-m16 16 28672 4096 wg/m16_s4_r gemv_wgmma
ncu_reports
for f in $(find ncu-in -name 'ncu-cublas-m16*.ncu-rep'); do
  /usr/local/cuda/bin/ncu --import "$f" --page details --print-details all 2>&1 | grep -E "^  [a-zA-Z_].*\(|Duration|Grid Size|Block Size|Cluster Size|Registers|Dynamic Shared|DRAM Throughput" | head -40
done
pack
