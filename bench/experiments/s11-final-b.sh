#!/usr/bin/env bash
# Eleventh session, closing call B, after call A's tables are committed as
# bench/results/h200-2026-11-21-s11-dispatch{,-graph}.json: the chain search (now with joint
# changes of neighbours) for qwen, then llama from qwen's table, each followed by every decode
# mode; the dispatch check on four untuned models with the cold-ranked table; memcheck and
# racecheck of the new variants on the edge set. Carry ["target/release/skinny", "target/gpu"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
export OUT
new="dot/m1_r4w8_u3_xw dot/m1_r8w2_xw"
PART=chain TABLE=bench/results/h200-2026-11-21-s11-dispatch-graph.json DECODE_S=170 bash bench/tune-decode-run.sh 2>&1 \
  | grep -E "exit|closing|joint|skinny-graph|cublas-graph|cublas-eager|floor|^│ 1×|^│ [0-9]+×"
PART=dispatch TABLE=bench/results/h200-2026-11-21-s11-dispatch.json bash bench/tune-decode-run.sh 2>&1 | tail -3
for tool in memcheck racecheck; do
  SKINNY_TEST_VARIANTS="$new" timeout 70 compute-sanitizer --tool $tool ./target/gpu/cuda_backend --ignored \
    --test-threads=1 every_cuda_variant --nocapture >"$OUT/sanitizer-$tool.log" 2>&1
  echo "$tool: exit $?"; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|test result" "$OUT/sanitizer-$tool.log"
done
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
