#!/usr/bin/env bash
# Twenty-fifth session, call 5: gemv_wgmma shaped as cuBLAS's kernel on 16×9728×896
# (registry-s25-wg.toml; no kernel change): 128-row tiles, rings of 7–12 stages, one block a SM.
# Edge set at every row count, then timed beside cuBLAS and the registered wg, ring and mma
# kernels on qwen's gate_up and lm_head at M = 8, 16 and llama's gate_up, down and lm_head at
# M = 16; ncu on the deepest one at 16×9728×896. Carry as s25-call1.sh.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s25-wg.toml"
new="wg/m16_r2s12p wg/m16_r2s12 wg/m16_r2s7p wg/m16_r2s6p_b2 wg/m16_s12p_b1 wg/m8_r2s12p"
# shellcheck disable=SC2086
edge_check 150 $add --variants $new
others="cublas/gemm mma/m8_u4 ring/m8_w2t2s2x4_rl ring/m16_w2t2s2x3_rl wg/m16_s8p_b2 wg/m16_s4_r wg/m8_s6_b2"
shapes_at "8 16" "9728,896 151936,896"
# shellcheck disable=SC2086
timed_probe qwen 200 $add "${shapes[@]}" --variants $new $others --time-cap-ms 15
shapes_at "16" "28672,4096 4096,14336 128256,4096"
# shellcheck disable=SC2086
timed_probe llama 200 $add "${shapes[@]}" --variants $new cublas/gemm wg/m16_s4_r mma/m16_l8t2 --time-cap-ms 15
export NCU_METRICS="dram__cycles_active.avg.pct_of_peak_sustained_elapsed,smsp__issue_active.avg.pct_of_peak_sustained_active,lts__t_sectors_srcunit_tex_op_read.sum,dram__bytes_read.sum"
PROBE_ARGS=$add ncu_profile r2s12p-m16 16 9728 896 wg/m16_r2s12p gemv_wgmma
ncu_reports
pack
