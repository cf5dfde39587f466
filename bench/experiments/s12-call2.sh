#!/usr/bin/env bash
# Twelfth session, call 2: qwen's PDL chain with its gemv_split kernels asking L2 for later
# products' weights (SKINNY_EXPERIMENT_PREFETCH: role:first|last:ahead:from_mb:to_mb), one
# decode run a configuration, each beside the plain PDL chain of the same run. Binary built with
# bench/experiments/s12-any-digest.patch (the s11 chain table's picks on changed sources).
# Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
export SKINNY_EXPERIMENT_ANY_DIGEST=1
TABLE=bench/results/h200-2026-11-21-s11-dispatch-chain.json
i=0
for spec in "o:first:1:0:4" "o:last:1:0:4" "o:first:1:0:8" "qkv:first:2:0:4,o:first:1:4:8" \
            "gate_up:last:1:0:4" "down:last:1:0:3" "o:first:1:0:4,gate_up:last:1:0:4,down:last:1:0:3" \
            "gate_up:first:1:0:4"; do
  i=$((i+1))
  SKINNY_EXPERIMENT_PREFETCH="$spec" timeout 100 ./target/release/skinny decode --model qwen2.5-0.5b --table $TABLE \
    --json "$OUT/decode-prefetch-$i.json" >"$OUT/decode-prefetch-$i.log" 2>&1
  echo "[$i] $spec: exit $?"
  grep -E "floor|skinny-graph-pdl|read chain" "$OUT/decode-prefetch-$i.log" | grep -v timing | cut -c1-90
done
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
