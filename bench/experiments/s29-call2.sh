#!/usr/bin/env bash
# Twenty-ninth session, call 2: gemv_mma block shapes in fragment order with W's loads carrying a
# 128-byte L2 prefetch (registry-s29-shapes.toml) beside the seven _pf twins registered after
# call 1, the whole-line winners and cuBLAS, on the M-bar shapes. Needs the sources with PREFETCH
# (bench/experiments/s29-prefetch.patch applied). Carry target/release/skinny gzipped
# (bench/carry-gz.sh).
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s29-shapes.toml"
edge_check 120 $add --variants "exp/*" "mma/*_pf"
shapes_at "1 4 8 16" "28672,4096"
shapes_add "2 4 8 16" "151936,896"
SHOWN=10 timed_probe probe 420 $add "${shapes[@]}" --shape 8,9728,896 --shape 16,9728,896 \
  --shape 4,4096,14336 --shape 8,896,4864 \
  --variants "exp/*" "mma/*_pf" mma/m8_s4p mma/m8_l8 mma/m16_t2s4p ring/m8_w4t2s2x3_rl \
  ring/m8_w2t2s2x4_rl ring/m16_w2t2s2x3_rl dot/m1_xw wg/m16_s4p_r wg/m16_s4 wg/m16_s8p_b2 \
  wg/m8_s6_b2 cublas/gemm cublaslt/matmul --time-cap-ms 15
hot_cold probe
pack
