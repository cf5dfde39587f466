#!/usr/bin/env bash
# Twelfth session, call 9, after call 8's tables are committed as
# bench/results/h200-2026-11-21-s12-dispatch{,-graph}.json (digest bfe77eb7): the decode GPU
# tests; the chain search for qwen from the graph-ranked table, llama from qwen's, qwen again
# from llama's (each followed by every decode mode); the dispatch check on four untuned models
# with the cold-ranked table; memcheck and racecheck of the _et variants on the edge set.
# Carry ["target/release/skinny", "target/gpu"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
new="dot/m1_r4w1_xw_et dot/m1_r4w8_u3_xw_et dot/m1_xw_et dot/m1_u5_xw_et"
timeout 100 ./target/gpu/cuda_decode --ignored --test-threads=1 >"$OUT/gpu-tests-decode.log" 2>&1
echo "GPU tests cuda_decode: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-decode.log" | head -3
table=bench/results/h200-2026-11-21-s12-dispatch-graph.json
for run in qwen2.5-0.5b:1 llama-3-8b:2 qwen2.5-0.5b:3; do
  model=${run%%:*}; n=${run##*:}
  timeout 170 ./target/release/skinny decode --model "$model" --table "$table" --tune-chain \
    --chain-variants 'cublas*' 'gemv/*' 'dot/*' 'mma/*' \
    --write-table "$OUT/dispatch-chain-$n.json" --json "$OUT/decode-chain-$n-$model.json" \
    >"$OUT/decode-chain-$n-$model.log" 2>&1
  echo "[$n] decode --tune-chain $model: exit $?"
  grep -E "closing|chains timed in|floor|skinny-graph|cublas-graph|cublas-eager|^│ 1×" "$OUT/decode-chain-$n-$model.log" \
    | grep -v timing | cut -c1-150
  [ -f "$OUT/dispatch-chain-$n.json" ] && table="$OUT/dispatch-chain-$n.json"
done
configs=()
for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
  configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
done
timeout 110 ./target/release/skinny dispatch --table bench/results/h200-2026-11-21-s12-dispatch.json "${configs[@]}" \
  --dtype bf16 --measure --time-cap-ms 60 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
echo "dispatch check: exit $?"; grep -iE "within|warning" "$OUT/dispatch-check.log" | tail -3
for tool in memcheck racecheck; do
  SKINNY_TEST_VARIANTS="$new" timeout 70 compute-sanitizer --tool $tool ./target/gpu/cuda_backend --ignored \
    --test-threads=1 every_cuda_variant --nocapture >"$OUT/sanitizer-$tool.log" 2>&1
  echo "$tool: exit $?"; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|test result" "$OUT/sanitizer-$tool.log"
done
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
