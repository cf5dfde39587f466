#!/usr/bin/env bash
# Twelfth session, call 6: the trigger earlier instead (EARLY_TRIGGER, common.cuh, experiment):
# before the wait, per variant through SKINNY_EXPERIMENT_DEFINES, on qwen's s11 chain picks,
# then on llama (o gemv/baseline_t32, the rest dot/m1_xw and dot/m1_u5_xw). Binary built with
# bench/experiments/s12-any-digest.patch. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
export SKINNY_EXPERIMENT_ANY_DIGEST=1
TABLE=bench/results/h200-2026-11-21-s11-dispatch-chain.json
i=0
for spec in "" "dot/m1_r8w2_xw:EARLY_TRIGGER=1" "dot/m1_r4w8_u3_xw:EARLY_TRIGGER=1" "dot/m1_r4w1_xw:EARLY_TRIGGER=1" \
            "dot/m1_r8w2_xw:EARLY_TRIGGER=1;dot/m1_r4w8_u3_xw:EARLY_TRIGGER=1" ""; do
  i=$((i+1))
  SKINNY_EXPERIMENT_DEFINES="$spec" timeout 100 ./target/release/skinny decode --model qwen2.5-0.5b --table $TABLE \
    --json "$OUT/decode-early-$i.json" >"$OUT/decode-early-$i.log" 2>&1
  echo "[$i] '$spec': exit $?"
  grep -E "floor|skinny-graph-pdl " "$OUT/decode-early-$i.log" | grep -v timing | cut -c1-100
done
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
