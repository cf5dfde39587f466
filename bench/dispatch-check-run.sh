#!/usr/bin/env bash
# One short GPU call: the dispatch GPU tests, then `skinny dispatch --measure` with a committed
# H200 table (TABLE; by default the one uncompressed `h200-*-dispatch.json`, the current table:
# older ones are gzipped) on four other models' configs (M = 1 and 8). Build and carry as for
# dispatch-run.sh. (bench/retune-run.sh's `final` runs the same check at M = 1, 2, 4, 8 and 16
# after a re-tune.)
OUT=${OUT:-$(mktemp -d)}
set -uo pipefail
./target/gpu/cuda_dispatch --ignored --test-threads=1 > $OUT/gpu-tests-cuda_dispatch.log 2>&1; echo "dispatch tests exit $?"; grep -E "test result|panicked" -A2 $OUT/gpu-tests-cuda_dispatch.log | head
configs=()
for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8"); done
./target/release/skinny dispatch --table "${TABLE:-$(ls bench/results/h200-*-dispatch.json | tail -1)}" "${configs[@]}" --dtype bf16 --measure --time-cap-ms 100 --json $OUT/dispatch-check.json > $OUT/dispatch-check.log 2>&1; echo "check exit $?"; grep -A45 "^shape " $OUT/dispatch-check.log
grep -i "warning" $OUT/dispatch-check.log | head -3
