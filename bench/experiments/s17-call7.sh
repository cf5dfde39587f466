#!/usr/bin/env bash
# Seventeenth session, call 7: ncu on llama gate_up (n×k = 28672×4096) at M = 1, 2, 4 and 8,
# where the register-fed dot kernels run at the read kernel's speed (54.4 µs at M = 1, 55.8 at
# M = 2) and the ring and cuBLAS do not (58-60 µs at M = 4 and 8): what differs at the DRAM and
# L2 (bytes, requests, sectors a request, DRAM active), in occupancy and in stalls. One cold launch
# each, the caches flushed (ncu's default), clocks as they are. HEAD's build (digest c419ae4c).
# Then one more qwen decode with the s17 chain table.
# Carry ["target/release/skinny"].
# (Rewritten after the run to use bench/lib.sh: the same commands.)
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
export NCU_METRICS=dram__bytes_read.sum,lts__t_sectors_srcunit_tex_op_read.sum,lts__t_requests_srcunit_tex_op_read.sum,dram__cycles_active.avg.pct_of_peak_sustained_elapsed
ncu_profile m1-dot 1 28672 4096 dot/m1_xw gemv_split
ncu_profile m2-dot 2 28672 4096 dot/m2_r2u2_xw gemv_split
ncu_profile m4-ring 4 28672 4096 ring/m8_w4t2s2x3_rl gemv_mma_ring
ncu_profile m4-cublas 4 28672 4096 cublas/gemm nvjet
ncu_profile m8-ring 8 28672 4096 ring/m8_w4t2s2x3_rl gemv_mma_ring
ncu_profile m8-mma 8 28672 4096 mma/m8_s4p gemv_mma
ncu_profile m8-cublas 8 28672 4096 cublas/gemm nvjet
# And a third decode of qwen with the committed s17 chain table, for the spread of the issue-5 ratio.
timeout 90 $skinny decode --model qwen2.5-0.5b --table bench/results/h200-2026-11-21-s17-dispatch-chain.json \
  --json "$OUT/decode-qwen.json" >"$OUT/decode-qwen.log" 2>&1
echo "decode: exit $?"; grep -E "floor|skinny-graph-pdl|cublas-graph " "$OUT/decode-qwen.log" | grep -v timing
ncu_reports
pack
