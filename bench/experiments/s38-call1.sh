#!/usr/bin/env bash
# Thirty-eighth session, call 1: the common W-load helper (bench/experiments/s38-loadw.patch) A/B
# against HEAD, and W_EVICT twins (registry-s38-evict.toml). Carries target/release/skinny (built
# with the patch) and target/head/skinny (HEAD); each group of shapes is probed with B, A, B, A.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
add=(--add-registry bench/experiments/registry-s38-evict.toml)
B=./target/release/skinny A=./target/head/skinny
skinny=$B edge_check 60 "${add[@]}" --variants 'exp/*' 'mma/c8_*' gemv/nn_c256_m1 \
  gemv/nn_cl16_c128_m4_xs gemv/nn_cl8_c128_m4_xs
m1=(--shape 1,32768,8192 --shape 1,28672,4096 --shape 1,4096,14336 --shape 1,4096,8192)
mb=(--shape 16,9728,896 --shape 8,9728,896 --shape 8,28672,4096 --shape 16,28672,4096)
nn=(--shape 1,128256,4096,nn --shape 4,896,896,nn --shape 4,1152,896,nn,bias --shape 4,896,4864,nn)
vm1=(dot/m1_xw dot/m1_u8_xw dot/m1_u5_xw mma/c8_m1_u4_b8 mma/c8_m1_w5u4_tail cublas/gemm)
vmb=(mma/m16_t2s2_b4_pf mma/c2_m8_w8t2u4_b2 mma/m8_s4_pf wg/m16_r2s4p_r cublas/gemm)
vnn=(gemv/nn_c256_m1 gemv/nn_cl16_c128_m4_xs cublas/gemm cublas/gemm+bias)
for round in 1 2; do
  skinny=$B SHOWN=12 timed_probe b$round-m1 120 "${add[@]}" "${m1[@]}" --time-cap-ms 20 --variants 'exp/m1_*' 'exp/c8_*' "${vm1[@]}"
  skinny=$A SHOWN=12 timed_probe a$round-m1 120 "${m1[@]}" --time-cap-ms 20 --variants "${vm1[@]}"
  skinny=$B SHOWN=12 timed_probe b$round-mb 120 "${add[@]}" "${mb[@]}" --time-cap-ms 20 --variants 'exp/m16_*' 'exp/c2_*' 'exp/m8_*' "${vmb[@]}"
  skinny=$A SHOWN=12 timed_probe a$round-mb 120 "${mb[@]}" --time-cap-ms 20 --variants "${vmb[@]}"
  skinny=$B SHOWN=12 timed_probe b$round-nn 120 "${add[@]}" "${nn[@]}" --time-cap-ms 20 --variants 'exp/nn_*' "${vnn[@]}"
  skinny=$A SHOWN=12 timed_probe a$round-nn 120 "${nn[@]}" --time-cap-ms 20 --variants "${vnn[@]}"
done
