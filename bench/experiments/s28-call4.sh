#!/usr/bin/env bash
# Twenty-eighth session, call 4: gemv_split (dot/*) block shapes at MAX_M = 2 and 4 for qwen's
# short rows, registry only (registry-s28-dot.toml; the committed binary, no patch): the edge
# set, then qwen's shapes at M = 2 and 4 (and lm_head at M = 1) beside the registered winners and
# cuBLAS. Carry target/release/skinny gzipped (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s28-dot.toml"
edge_check 120 $add --variants "exp/*"
timed_probe probe 300 $add --shapes qwen2.5-0.5b@m2 qwen2.5-0.5b@m4 --shape 1,151936,896 \
  --shape 2,28672,4096 --shape 4,28672,4096 --variants "exp/*" dot/m1_r8w2_xw dot/m1_r4w1_xw \
  dot/m2_r2u2_xw dot/m4_r2u2_xw mma/m8_s4p mma/m8_u4 mma/m16_k16 ring/m8_w2t2s2x4_rl \
  ring/m8_w4t2s2x3_rl cublas/gemm cublaslt/matmul --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/probe.json" >"$OUT/hot-cold.txt"
pack
