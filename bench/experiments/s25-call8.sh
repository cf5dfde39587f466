#!/usr/bin/env bash
# Twenty-fifth session, call 8: what gemv_wgmma's split of K costs (registry-s25-split.toml and
# registry-s25-wg.toml; HEAD's kernel, digest f2dc7cfb). Edge set for the new variants, then the
# short-row and split shapes at M = 16 beside cuBLAS and the registered wg kernels; ncu on a split
# (wg/m16_r2s6p_b2, 19.7 µs in call 5) and an unsplit launch (wg/m16_s8p_b2) of 16×9728×896.
# Carry target/release/skinny gzipped (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s25-split.toml --add-registry bench/experiments/registry-s25-wg.toml"
new="wg/m16_s4_b3 wg/m16_s7p_b3 wg/m16_s4p_b4"
# shellcheck disable=SC2086
edge_check 120 $add --variants $new
shapes_at "16" "9728,896 16896,896 6144,4096 4096,14336"
# shellcheck disable=SC2086
timed_probe probe 200 $add "${shapes[@]}" --variants $new wg/m16_r2s6p_b2 wg/m16_s8p_b2 wg/m16_s4 \
  cublas/gemm mma/m16_l4t2 mma/m16_l8t2 --time-cap-ms 15
export NCU_METRICS="dram__cycles_active.avg.pct_of_peak_sustained_elapsed,dram__bytes_read.sum,dram__bytes_write.sum,lts__t_sectors_srcunit_tex_op_read.sum"
PROBE_ARGS=$add ncu_profile split 16 9728 896 wg/m16_r2s6p_b2 gemv_wgmma
PROBE_ARGS=$add ncu_profile unsplit 16 9728 896 wg/m16_s8p_b2 gemv_wgmma
ncu_reports
pack
