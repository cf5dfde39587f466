#!/usr/bin/env bash
# Twelfth session, call 3: qwen's chain search again from the s11 chain table (sources digest
# 7fa2bde2, the table's own), over wider candidate sets than the table's 1.5x rule lets in,
# to see whether the search's local optimum moves. Each run writes its table to $OUT.
# Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
TABLE=bench/results/h200-2026-11-21-s11-dispatch-chain.json
run() {
  name=$1; shift
  timeout 170 ./target/release/skinny decode --model qwen2.5-0.5b --table $TABLE --tune-chain "$@" \
    --write-table "$OUT/chain-table-$name.json" --json "$OUT/decode-$name.json" >"$OUT/decode-$name.log" 2>&1
  echo "[$name] exit $?"
  grep -E "closing|joint|chains timed in|floor|skinny-graph-pdl|^│ 1×" "$OUT/decode-$name.log" | grep -v timing | cut -c1-160
}
run gemv --chain-variants 'dot/*' 'gemv/*'
run all --chain-variants 'dot/*' 'gemv/*' 'mma/*' 'tiled/*'
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
