#!/usr/bin/env bash
# Twenty-fourth session, call 1: gemv_split with DIAG_MMA = 1 (registry-s24-diag.toml), dot-order
# loads multiplied on tensor cores: verified on the edge set at every row count, then timed beside
# the incumbents and cuBLAS on qwen2.5-0.5b and llama-3-8b at M = 1, 2, 4, 8, 16; ncu on two of
# them at llama gate_up (DRAM activity, issue and tensor-pipe use).
# Build here with the DIAG_MMA change: cargo build --release; bash bench/carry-gz.sh
# target/release/skinny; carry ["target/carry"].
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s24-diag.toml"
# shellcheck disable=SC2086
edge_check 150 $add --variants 'diag/*'
# shellcheck disable=SC2086
probe_into "$OUT" qwen-probe 200 $add --shapes qwen2.5-0.5b@m1,2,4,8,16 --layout nt \
  --variants cublas/gemm cublas/gemm+bias cublaslt/matmul 'diag/*' dot/m1_r4w1_xw dot/m2_r2u2_xw \
  dot/m4_r2u2_xw mma/m8_u4 mma/m16_k16 ring/m8_w4t2s2x3_rl ring/m16_w2t2s2x3_rl wg/m16_s8p_b2 \
  --time-cap-ms 15
python3 bench/tools/m_bar.py "$OUT/qwen-probe.json" 2>&1 | tee "$OUT/qwen-mbar.txt"
# shellcheck disable=SC2086
probe_into "$OUT" llama-probe 240 $add --shapes llama-3-8b@m1,2,4,8,16 --layout nt \
  --variants cublas/gemm cublaslt/matmul 'diag/*' dot/m1_xw dot/m1_u5_xw dot/m2_r2u2_xw \
  ring/m8_w4t2s2x3_rl wg/m16_s4_r mma/m16_t2s4p ring/m16_w4t4s2x4_rl --time-cap-ms 15
python3 bench/tools/m_bar.py "$OUT/llama-probe.json" 2>&1 | tee "$OUT/llama-mbar.txt"
python3 bench/tools/best_per_shape.py "$OUT/llama-probe.json" 6 > "$OUT/llama-summary.txt" 2>&1
export NCU_METRICS="dram__cycles_active.avg.pct_of_peak_sustained_elapsed,smsp__issue_active.avg.pct_of_peak_sustained_active,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,lts__t_sectors_srcunit_tex_op_read.sum"
export PROBE_ARGS="$add"
ncu_profile diag-m4 4 28672 4096 diag/m4_u4 gemv_split
ncu_profile diag-m8 8 28672 4096 diag/m8_r2u2 gemv_split
ncu_profile dot-m1 1 28672 4096 dot/m1_xw gemv_split
ncu_reports 2>&1 | tee "$OUT/ncu-summary.txt"
pack
