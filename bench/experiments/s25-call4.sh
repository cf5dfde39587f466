#!/usr/bin/env bash
# Twenty-fifth session, call 4: ncu on 16×9728×896 (qwen gate_up at M = 16, the largest relative
# M-bar shortfall): which kernels cuBLAS runs there (every launch matching its names, the first
# four), and our best two (wg/m16_s8p_b2, ring/m16_w2t2s2x3_rl) and mma/m8_u4 at M = 8 beside
# them. HEAD's build (digest cb6c1ca4). Carry as s25-call1.sh.
set -uo pipefail
. bench/lib.sh
call_begin
export NCU_METRICS="dram__cycles_active.avg.pct_of_peak_sustained_elapsed,smsp__issue_active.avg.pct_of_peak_sustained_active,lts__t_sectors_srcunit_tex_op_read.sum,dram__bytes_read.sum"
mkdir -p ncu-in
timeout 90 /usr/local/cuda/bin/ncu --clock-control none -k 'regex:nvjet|gemm|Kernel|splitK|reduce|cutlass|sm90' \
  --launch-count 4 --section SpeedOfLight --section LaunchStats --section Occupancy \
  --metrics "$NCU_METRICS" -o ncu-in/ncu-cublas-m16 $skinny probe --backend cuda --shape 16,9728,896 \
  --variants cublas/gemm --time-cap-ms 5 --json "$OUT/ncu-cublas-probe.json" >"$OUT/ncu-cublas.log" 2>&1
echo "ncu cublas: exit $?"
ncu_profile wg-m16 16 9728 896 wg/m16_s8p_b2 gemv_wgmma
ncu_profile ring-m16 16 9728 896 ring/m16_w2t2s2x3_rl gemv_mma_ring
ncu_profile mma-m8 8 9728 896 mma/m8_u4 gemv_mma
ncu_profile cublas-m8 8 9728 896 cublas/gemm 'nvjet|gemm|Kernel|sm90'
ncu_reports
for f in $(find ncu-in -name 'ncu-cublas-m16*.ncu-rep'); do
  /usr/local/cuda/bin/ncu --import "$f" --page details --print-details all 2>&1 | grep -E "^  [a-zA-Z_].*\(|Duration|Grid Size|Block Size|Registers|Shared Memory Config|Dynamic Shared|DRAM Throughput" | head -40
done
pack
