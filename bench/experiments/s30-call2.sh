#!/usr/bin/env bash
# Thirtieth session, call 2: is x's side what costs gemv_mma 3–5 µs at M ≥ 2 on llama gate_up?
# registry-s30-xside.toml's CHUNKS builds load one x vector a W vector or fewer (c4 at m ≤ 2,
# c2 at m ≤ 4, or TILES = 2), where call 1's c4_m4/c2_m8 builds loaded two. The edge set, then
# gate_up, down, o and qwen's large-k product at M = 2, 4, 8 beside the table's winners and
# cuBLAS. Carry target/release/skinny gzipped (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
shapes_at "2 4 8" "28672,4096 4096,14336 896,4864"
shapes_add "4" "6144,4096 4096,4096"
registry_call bench/experiments/registry-s30-xside.toml 200 330 "${shapes[@]}" \
  --variants "exp/*" mma/c8_m2_u2p mma/c4_m4_w8s2 mma/c2_m8_w8s4 mma/m8_s4p_pf mma/m8_l8 \
  ring/m8_w4t2s2x3_rl wg/m16_r2s4p_r dot/m2_r2u2_xw cublas/gemm cublaslt/matmul --time-cap-ms 15
