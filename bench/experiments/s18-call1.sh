#!/usr/bin/env bash
# Eighteenth session, call 1: gemv_split shapes for short rows (registry-s18-short.toml, added with
# --add-registry; no kernel change) on qwen's M = 1 shapes beside the committed picks and cuBLAS,
# verified on the edge set first; then ncu of qwen lm_head (1x151936x896) under the incumbent
# r4w1_xw and r8w2_xw and the best new one, to see what holds it at 93 % of the read bandwidth.
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
add="--add-registry bench/experiments/registry-s18-short.toml"
NEW="dot/m1_r4w1_xw_g16 dot/m1_r8w2_xw_g* dot/m1_r2w1_xw_g24 dot/m1_r4w2_u2_xw_g16 dot/m1_r8w4_u1_xw"
# shellcheck disable=SC2086
probe_into "$OUT" edge-probe 90 $add --shapes smoke@m1 \
  --shape 1,5000,1000,bias --shape 1,3000,2056,axpby --shape 1,1,4104 --shape 1,130,4096,f16 \
  --shape 1,140000,64 --shape 1,77,200,axpby --shape 1,200000,896 \
  --variants $NEW --time-cap-ms 2 --strict
# shellcheck disable=SC2086
probe_into "$OUT" short-probe 200 $add --shapes qwen2.5-0.5b@m1 --layout nt \
  --variants $NEW dot/m1_r4w1_xw dot/m1_r8w2_xw dot/m1_r2w1_xw dot/m1_r4w8_u3_xw dot/m1_u5_xw \
  dot/m1_r4_grid dot/m1_grid gemv/baseline_t32 mma/m8_k8 cublas/gemm cublas/gemm+bias --time-cap-ms 40
python3 bench/tools/best_per_shape.py "$OUT/short-probe.json" 8 2>&1 | tee "$OUT/short-summary.txt"
NCU_METRICS="dram__bytes_read.sum,dram__cycles_active.avg.pct_of_peak_sustained_elapsed,lts__t_sectors_srcunit_tex_op_read.sum,sm__warps_active.avg.pct_of_peak_sustained_active,smsp__issue_active.avg.pct_of_peak_sustained_active"
for v in dot/m1_r4w1_xw dot/m1_r8w2_xw dot/m1_r4w1_xw_g16 dot/m1_r8w2_xw_g10; do
  skinny="$skinny $add" ncu_profile "lm-${v//\//_}" 1 151936 896 "$v" gemv_split
done
ncu_reports 2>&1 | tee "$OUT/ncu-summary.txt"
pack
