#!/usr/bin/env bash
# Thirty-seventh session, call 3: W_NO_L1 = 1 as the default of gemv_split and gemv_nn_cluster
# and the read kernel's loads L1::no_allocate (the s37 change). The registered M = 2 and 4 nn and
# gemv_split builds beside W_NO_L1 = 0 twins (bench/experiments/registry-s37-m24.toml); the M = 1
# nn and dot winners of call 2 under their registered names; the ceilings (sized reads) printed
# for comparison with call 2's, which used __ldg.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s37-m24.toml)
shapes=()
shapes_at "2 4" "896,4864,nn 4096,4096,nn 9728,896,nn 1152,896,bias,nn 896,896,nn 896,4864 4096,4096"
shapes+=(--shape 1,151936,896 --shape 1,896,4864,nn --shape 1,896,4864 --shape 1,4096,4096)
SHOWN=10 timed_probe probe 400 "${add[@]}" "${shapes[@]}" --time-cap-ms 20 \
  --variants 'exp/*' gemv/nn_cl8_c128_u8_m2_xs gemv/nn_cl16_m2_xs gemv/nn_cl16_c128_m2_xs \
  gemv/nn_cl8_c128_m4_xs gemv/nn_cl16_c128_m4_xs dot/m2_u3_xw dot/m4_r2u2_xw dot/m1_r4w1_xw \
  gemv/nn_cl16_u10_m1_xs dot/m1_u5_xw dot/m1_xw mma/c8_m1_w5u4_tail mma/c8_m1_u4_b8 mma/c8_m2_u2p \
  mma/c2_m4_w10s2u4_tail mma/c2_m4_w8s2_b4 mma/c4_m2_u4_b8 cublas/gemm cublas/gemm+bias
hot_cold probe
python3 - "$OUT/probe.json" <<'P' | tee "$OUT/ceilings.txt"
import json, sys
c = json.load(open(sys.argv[1]))["ceilings"]
print("read bandwidth", round(c["read_bandwidth"]["gbps"], 1))
for s in c["sized_reads"]:
    print(s["bytes"], "cold", round(s["us"]["median"], 2), "graph", round(s["graph_us"]["median"], 2), s["config"])
P
