#!/usr/bin/env bash
# Twenty-eighth session, call 7: decode steps of 4 and 16 tokens (skinny decode --m) on the s26b
# graph-ranked table, qwen2.5-0.5b and llama-3-8b: how batched decode fares against cuBLAS with
# the committed kernels and tables (no tuning of the chain at these M). Carry
# target/release/skinny gzipped (the committed sources, digest 364119e0).
set -uo pipefail
. bench/lib.sh
call_begin
table=bench/results/h200-2026-11-22-s26b-dispatch-graph.json
for m in 4 16; do
  for model in qwen2.5-0.5b llama-3-8b; do
    decode_into "$model-m$m" 150 --model "$model" --m "$m" --table "$table" --time-cap-ms 300
  done
done
pack
