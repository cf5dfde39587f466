#!/usr/bin/env bash
# Thirty-first session, call 7: the dispatch rule's K-loop model for gemv_mma, two candidates,
# measured. target/alt/skinny-m1 charges how full a warp's DRAM round trips run (a TAIL batch of
# fewer than UNROLL steps counts as a round trip); skinny-m2 charges only the round trips a warp
# takes beyond the fewest its steps need (steps one at a time without TAIL) and the part-empty
# last step. Each runs the dispatch check (four untuned models at M = 1, 2, 4, 8, 16 on the s31
# cold table); then one probe of the four models' M = 1 shapes with the builds the rules pick
# among and cuBLAS, to fit the model at the models' row lengths (1536, 2048, 2304, 3072, 8192,
# 8960, 9216). The probe has no --dtype bf16: gemma-2-2b's config says f32, so its shapes ran in
# f32, where only cuBLAS runs (add the flag to run it again). Build: the two binaries (docs/PERF.md, thirty-first session), then
# bash bench/carry-gz.sh target/alt/skinny-m1 target/alt/skinny-m2; carry ["target/carry"].
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
for m in m1 m2; do
  mkdir -p "$OUT/$m"
  skinny=target/alt/skinny-$m OUT=$OUT/$m dispatch_check dispatch-check \
    bench/results/h200-2026-11-22-s31-dispatch.json 1,2,4,8,16 200
done
configs=()
for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
  configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1")
done
skinny=target/alt/skinny-m1 SHOWN=10 timed_probe fit-probe 240 "${configs[@]}" --layout nt \
  --variants 'mma/c*' mma/m8_s4_pf mma/m8_u4 dot/m1_xw gemv/baseline_t32 'cublas*' --time-cap-ms 20
