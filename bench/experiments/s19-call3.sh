#!/usr/bin/env bash
# Nineteenth session, call 3: gemv_wgmma with W copied by the warpgroup's threads (THREAD_ROWS =
# 64, which call 3's binary spelled W_BY_THREADS; registry-s19-threads.toml), verified on the
# edge set, timed beside the registered wg variants, the best ring/mma kernels and cuBLAS on
# call 1's shapes; ncu of 16×28672×4096 with and without the wgmma instructions.
# Build here from HEAD with bench/experiments/s19-wgmma-boxes-threads.patch applied (the
# experiment's kernel parameters; not in the compiled-in sources): cargo build --release.
# Carry ["target/release/skinny"].
# (Rewritten after the run to use bench/lib.sh's ncu_profile, with NCU_LAUNCH_SKIP for the first
# launch, instead of a local copy of it: the same launches profiled and the same metrics; the
# local copy collected fewer sections and allowed 90 s where ncu_profile allows 60.)
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
add="--add-registry bench/experiments/registry-s19-threads.toml"
# shellcheck disable=SC2086
probe_into "$OUT" edge-probe 150 $add "${EDGE_SHAPES[@]}" --variants wg/m16_t_s4 wg/m16_t_b2_s3 \
  wg/m16_t_b4_s2 wg/m16_t_s4_r wg/m8_t_s4 wg/m8_t_b2_s4 --time-cap-ms 2 --strict
grep -E "incorrect|failed|error" "$OUT/edge-probe.log" | grep -v "0 incorrect" | head -20
# shellcheck disable=SC2086
probe_into "$OUT" wg-probe 330 $add \
  --shape 16,28672,4096 --shape 8,28672,4096 --shape 4,28672,4096 \
  --shape 16,4096,14336 --shape 16,6144,4096 --shape 8,6144,4096 --shape 16,4096,4096 \
  --shape 16,9728,896 --shape 8,9728,896 --shape 16,128256,4096 --shape 16,151936,896 \
  --variants wg/m16_t_s4 wg/m16_t_s6 wg/m16_t_b2_s3 wg/m16_t_b2_s4 wg/m16_t_b4_s2 wg/m16_t_s4_r \
  wg/m8_t_s4 wg/m8_t_b2_s4 wg/m8_t_s6_b2 wg/m16_s4 wg/m16_s4_r wg/m8_s6_b2 wg/m16_s8p_b2 \
  ring/m8_w4t2s2x3_rl mma/m8_k8 mma/m16_s4 ring/m16_w4t4s2x4_rl ring/m16_w2t2s2x3_rl cublas/gemm \
  --time-cap-ms 20
python3 bench/tools/best_per_shape.py "$OUT/wg-probe.json" 10 2>&1 | tee "$OUT/wg-summary.txt"
NCU_METRICS="dram__bytes_read.sum,dram__cycles_active.avg.pct_of_peak_sustained_elapsed,lts__t_sectors_srcunit_tex_op_read.sum,sm__warps_active.avg.pct_of_peak_sustained_active,smsp__issue_active.avg.pct_of_peak_sustained_active"
export PROBE_ARGS=$add
ncu_profile t_s4 16 28672 4096 wg/m16_t_s4 gemv_wgmma
ncu_profile t_b2_s4 16 28672 4096 wg/m16_t_b2_s4 gemv_wgmma
NCU_LAUNCH_SKIP=0 ncu_profile t_s4_nm 16 28672 4096 wg/m16_t_s4_nm gemv_wgmma
NCU_LAUNCH_SKIP=0 ncu_profile t_b2_s4_nm 16 28672 4096 wg/m16_t_b2_s4_nm gemv_wgmma
ncu_reports 2>&1 | tee "$OUT/ncu-summary.txt"
pack
