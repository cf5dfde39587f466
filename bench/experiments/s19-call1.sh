#!/usr/bin/env bash
# Nineteenth session, call 1: gemv_wgmma with 2 or 4 boxes along k a stage (BOXES,
# registry-s19-boxes.toml) verified on the edge set, then timed beside the registered wg variants,
# the best ring/mma kernels and cuBLAS on the M bar's losing shapes and the two M = 16 lm_heads;
# ncu of 16×28672×4096 under two of them (DRAM active against BOXES = 1's 80 %).
# Build here from HEAD with bench/experiments/s19-wgmma-boxes-threads.patch applied (the
# experiment's kernel parameters; not in the compiled-in sources): cargo build --release.
# Carry ["target/release/skinny"].
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
add="--add-registry bench/experiments/registry-s19-boxes.toml"
# shellcheck disable=SC2086
probe_into "$OUT" edge-probe 150 $add "${EDGE_SHAPES[@]}" \
  --variants 'wg/*_b[24]_*' --time-cap-ms 2 --strict
grep -E "incorrect|failed|error" "$OUT/edge-probe.log" | grep -v "0 incorrect" | head -20
# shellcheck disable=SC2086
probe_into "$OUT" wg-probe 330 $add \
  --shape 16,28672,4096 --shape 8,28672,4096 --shape 4,28672,4096 \
  --shape 16,4096,14336 --shape 16,6144,4096 --shape 8,6144,4096 --shape 16,4096,4096 \
  --shape 16,9728,896 --shape 8,9728,896 --shape 16,128256,4096 --shape 16,151936,896 \
  --variants 'wg/*' ring/m8_w4t2s2x3_rl ring/m8_w4t2s4x4_rl mma/m8_k8 mma/m16_s4 \
  ring/m16_w4t4s2x4_rl ring/m16_w2t2s2x3_rl cublas/gemm --time-cap-ms 20
python3 bench/tools/best_per_shape.py "$OUT/wg-probe.json" 10 2>&1 | tee "$OUT/wg-summary.txt"
NCU_METRICS="dram__bytes_read.sum,dram__cycles_active.avg.pct_of_peak_sustained_elapsed,lts__t_sectors_srcunit_tex_op_read.sum,sm__warps_active.avg.pct_of_peak_sustained_active,smsp__issue_active.avg.pct_of_peak_sustained_active"
PROBE_ARGS=$add ncu_profile wg-b4s3 16 28672 4096 wg/m16_b4_s3 gemv_wgmma
PROBE_ARGS=$add ncu_profile wg-b2s4 16 28672 4096 wg/m16_b2_s4 gemv_wgmma
ncu_reports 2>&1 | tee "$OUT/ncu-summary.txt"
pack
