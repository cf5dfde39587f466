#!/usr/bin/env bash
# Nineteenth session, call 2: is gemv_wgmma's ~80 % DRAM activity the copy engine's and the
# ring's, or the consumer's? ncu on 16×28672×4096 with the wgmma instructions left out
# (NO_MATH, registry-s19-nomath.toml: the outputs are wrong, so the probe times nothing and ncu
# takes the first, verifying launch, caches flushed by ncu), beside the real wg/m16_s4 and the
# M = 1 register kernel dot/m1_xw on the same W.
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
add="--add-registry bench/experiments/registry-s19-nomath.toml"
NCU_METRICS="dram__bytes_read.sum,dram__cycles_active.avg.pct_of_peak_sustained_elapsed,lts__t_sectors_srcunit_tex_op_read.sum,sm__warps_active.avg.pct_of_peak_sustained_active,smsp__issue_active.avg.pct_of_peak_sustained_active"
export PROBE_ARGS=$add
for v in m16_s4_nm m16_s8_nm m16_b2_s5_nm m16_b4_s5_nm m16_b4_s3_nm; do
  NCU_LAUNCH_SKIP=0 ncu_profile "$v" 16 28672 4096 "wg/$v" gemv_wgmma
done
ncu_profile wg-m16_s4 16 28672 4096 wg/m16_s4 gemv_wgmma
ncu_profile dot-m1_xw 1 28672 4096 dot/m1_xw gemv_split
ncu_reports 2>&1 | tee "$OUT/ncu-summary.txt"
pack
