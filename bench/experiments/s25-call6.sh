#!/usr/bin/env bash
# Twenty-fifth session, call 6: where gemv_wgmma's time goes. On n = 16896 (132 tiles of 128 rows:
# one block a SM for the 128-row variants, K not split; 264 of 64 rows for wg/m16_s8p_b2) at
# k = 896, 3584 and 7168, the slope of time against k is a block's streaming rate, cold (DRAM) and
# hot (L2), and the intercept its fixed cost; cuBLAS and the register kernels beside. ncu (warp
# states) on wg/m16_r2s12p and cuBLAS at 16×16896×3584. HEAD's build with
# registry-s25-wg.toml. Carry as s25-call1.sh.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s25-wg.toml"
shapes_at "16" "16896,896 16896,3584 16896,7168"
# shellcheck disable=SC2086
timed_probe rate 200 $add "${shapes[@]}" --variants wg/m16_r2s12p wg/m16_r2s7p wg/m16_s8p_b2 \
  wg/m16_s4 cublas/gemm mma/m16_s4 mma/m16_l8t2 ring/m16_w2t2s2x3_rl --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/rate.json" | tee "$OUT/rate-hot-cold.txt"
export NCU_METRICS="dram__cycles_active.avg.pct_of_peak_sustained_elapsed,smsp__issue_active.avg.pct_of_peak_sustained_active,dram__bytes_read.sum"
PROBE_ARGS=$add ncu_profile r2s12p 16 16896 3584 wg/m16_r2s12p gemv_wgmma
ncu_profile cublas 16 16896 3584 cublas/gemm 'nvjet|gemm|Kernel|sm90'
ncu_reports
pack
