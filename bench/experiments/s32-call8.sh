#!/usr/bin/env bash
# Thirty-second session, call 8: why the nn cluster kernels at M = 2 take 1.4–2× their M = 1
# time (call 7: 2×4096×4096 nn 19.4–20.1 µs against 11.8 at M = 1; nt 10.9 at M = 2). Three
# things in one call: the SASS of gemv_nn_cluster at MAX_M 1, 2 and 4 (128 outputs a block,
# clusters of 8; the bf16 cubins NVRTC built on the dev machine, carried untracked in diag-s32/),
# each build timed at M = 1 and 2 on three shapes (is it the build or the second row?), and ncu
# (stall reasons, DRAM) on the M = 1 build at M = 1 and the M ≤ 2 build at M = 1 and 2.
# Same binary as call 7 (bench/experiments/s32-nn-prefetch.patch applied, carried gzipped).
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
for f in $(find diag-s32 -name '*.cubin' | sort); do
  b=$(basename "$f" .cubin)
  /usr/local/cuda/bin/cuobjdump -sass "$f" >"$OUT/sass-$b.txt" 2>&1
  echo "$b: $(grep -c 'LDG' "$OUT/sass-$b.txt") LDG, $(grep -c 'FFMA' "$OUT/sass-$b.txt") FFMA"
done
add=(--add-registry bench/experiments/registry-s32-nn.toml)
shapes_at "1 2" "4096,4096 9728,896 896,4864"
SHOWN=8 timed_probe probe 150 "${add[@]}" "${shapes[@]}" --layout nn --time-cap-ms 20 --variants \
  gemv/nn_cl8_c128_m1 exp/nn_cl8_c128_m2_u8 exp/nn_cl8_c128_m4 gemv/nn_cl8 cublas/gemm
export NCU_METRICS="dram__cycles_active.avg.pct_of_peak_sustained_elapsed,smsp__issue_active.avg.pct_of_peak_sustained_active,dram__bytes_read.sum,lts__t_sectors_srcunit_tex_op_read.sum,l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum,smsp__inst_executed.sum"
export PROBE_ARGS="--add-registry bench/experiments/registry-s32-nn.toml --layout nn"
ncu_profile m1b-m1 1 4096 4096 gemv/nn_cl8_c128_m1 gemv_nn_cluster
ncu_profile m2b-m1 1 4096 4096 exp/nn_cl8_c128_m2_u8 gemv_nn_cluster
ncu_profile m2b-m2 2 4096 4096 exp/nn_cl8_c128_m2_u8 gemv_nn_cluster
ncu_reports
