#!/usr/bin/env bash
# Twenty-fourth session, call 2: gemv_mma with LINES (registry-s24-lines.toml), W loaded row-major
# and put into fragment order through a warp-private shared tile: verified on the edge set at
# every row count, then timed beside the incumbents and cuBLAS on the M bar's long-row shapes
# (llama gate_up, down, qkv, o; qwen gate_up and down) at M = 1, 2, 4, 8, 16; ncu on one.
# Build here with the LINES change: cargo build --release; bash bench/carry-gz.sh
# target/release/skinny; carry ["target/carry"].
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s24-lines.toml"
new="mma/m16_l* mma/m8_l*"
inc="cublas/gemm cublaslt/matmul dot/m1_xw dot/m2_r2u2_xw mma/m8_u4 mma/m16_k16 mma/m16_t2s4p ring/m8_w4t2s2x3_rl ring/m16_w2t2s2x3_rl wg/m16_s4_r wg/m16_s8p_b2"
# shellcheck disable=SC2086
edge_check 200 $add --variants $new
shapes_at "1 2 4 8 16" "28672,4096 4096,14336 6144,4096 4096,4096 9728,896 896,4864"
# shellcheck disable=SC2086
probe_into "$OUT" mbar-probe 330 $add "${shapes[@]}" --variants $new $inc --time-cap-ms 15
python3 bench/tools/m_bar.py "$OUT/mbar-probe.json" 2>&1 | tee "$OUT/mbar.txt"
python3 bench/tools/best_per_shape.py "$OUT/mbar-probe.json" 6 > "$OUT/summary.txt" 2>&1
export NCU_METRICS="dram__cycles_active.avg.pct_of_peak_sustained_elapsed,smsp__issue_active.avg.pct_of_peak_sustained_active,lts__t_sectors_srcunit_tex_op_read.sum"
export PROBE_ARGS="$add"
ncu_profile l8-m16 16 28672 4096 mma/m16_l8 gemv_mma
ncu_reports 2>&1 | tee "$OUT/ncu-summary.txt"
pack
