#!/usr/bin/env bash
# Sixteenth session, call 11: ncu on 16×28672×4096 (llama gate_up at M = 16), where every skinny
# kernel runs 10-20 % slower than at M = 8 and cuBLAS does not move: cuBLAS, the ring and
# gemv_mma at M = 16, the ring at M = 8 for contrast. One cold launch each, the caches flushed
# (ncu's default), clocks as they are. HEAD's build (digest 59d673b1). Carry ["target/release/skinny"].
# (Rewritten after the run to use bench/lib.sh: the same commands.)
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
export NCU_METRICS=dram__bytes_read.sum,lts__t_sectors_srcunit_tex_op_read.sum,lts__t_requests_srcunit_tex_op_read.sum
ncu_profile m16-cublas 16 28672 4096 cublas/gemm nvjet
ncu_profile m16-ring 16 28672 4096 ring/m16_w4t4s2x4_rl gemv_mma_ring
ncu_profile m16-mma 16 28672 4096 mma/m16_s4 gemv_mma
ncu_profile m8-ring 8 28672 4096 ring/m8_w4t2s2x3_rl gemv_mma_ring
ncu_reports
pack
