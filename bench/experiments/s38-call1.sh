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

# ab ROUND GROUP EXP_GLOB...: the shapes in array GROUP with the variants in array vGROUP, probed
# by B (with the experiment registry, and its builds matching EXP_GLOB) and then by A.
ab() {
  local round=$1 group=$2
  shift 2
  local -n shapes_of=$group variants_of=v$group
  skinny=$B SHOWN=12 timed_probe "b$round-$group" 120 "${add[@]}" "${shapes_of[@]}" \
    --time-cap-ms 20 --variants "$@" "${variants_of[@]}"
  skinny=$A SHOWN=12 timed_probe "a$round-$group" 120 "${shapes_of[@]}" --time-cap-ms 20 \
    --variants "${variants_of[@]}"
}
for round in 1 2; do
  ab $round m1 'exp/m1_*' 'exp/c8_*'
  ab $round mb 'exp/m16_*' 'exp/c2_*' 'exp/m8_*'
  ab $round nn 'exp/nn_*'
done
