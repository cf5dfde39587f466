#!/usr/bin/env bash
# Twenty-fifth session, call 7: gemv_wgmma with INTERLEAVE (registry-s25-interleave.toml; the
# kernel change is in the working tree, a patch in bench/experiments/s25-interleave.patch): the
# first stages' W and x boxes requested stage by stage, so that stage 0 does not wait for every
# W box of the ring to be requested before its x box. Edge set at every row count, then each
# variant beside its registered twin and cuBLAS, cold and hot. Carry as s25-call1.sh.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s25-wg.toml --add-registry bench/experiments/registry-s25-interleave.toml"
new="wg/m16_s8p_b2_i wg/m16_s4_r_i wg/m16_s4_i wg/m8_s6_b2_i wg/m16_r2s12p_i wg/m16_r2s7p_i"
twins="wg/m16_s8p_b2 wg/m16_s4_r wg/m16_s4 wg/m8_s6_b2 wg/m16_r2s12p wg/m16_r2s7p"
# shellcheck disable=SC2086
edge_check 150 $add --variants $new
shapes_at "8 16" "9728,896 151936,896"
shapes+=(--shape 16,16896,64 --shape 16,16896,896 --shape 16,28672,4096 --shape 16,128256,4096 --shape 16,4096,14336 --shape 16,6144,4096)
# shellcheck disable=SC2086
timed_probe probe 300 $add "${shapes[@]}" --variants $new $twins cublas/gemm --time-cap-ms 15
python3 bench/tools/cold_hot.py "$OUT/probe.json" | tee "$OUT/hot-cold.txt"
pack
