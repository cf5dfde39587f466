#!/usr/bin/env bash
# Twelfth session, call 7: EARLY_TRIGGER combined on qwen (qkv/lm_head and o/down early
# together), repeated, and on llama per variant. Same binary as call 6. Carry
# ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
export SKINNY_EXPERIMENT_ANY_DIGEST=1
TABLE=bench/results/h200-2026-11-21-s11-dispatch-chain.json
both="dot/m1_r4w8_u3_xw:EARLY_TRIGGER=1;dot/m1_r4w1_xw:EARLY_TRIGGER=1"
i=0
for spec in "" "$both" "" "$both" "dot/m1_r4w8_u3_xw:EARLY_TRIGGER=1" "dot/m1_r4w1_xw:EARLY_TRIGGER=1"; do
  i=$((i+1))
  SKINNY_EXPERIMENT_DEFINES="$spec" timeout 100 ./target/release/skinny decode --model qwen2.5-0.5b --table $TABLE \
    --json "$OUT/decode-qwen-$i.json" >"$OUT/decode-qwen-$i.log" 2>&1
  echo "[qwen $i] '$spec': exit $?"
  grep -E "floor|skinny-graph-pdl " "$OUT/decode-qwen-$i.log" | grep -v timing | cut -c1-100
done
i=0
for spec in "" "gemv/baseline_t32:EARLY_TRIGGER=1" "dot/m1_xw:EARLY_TRIGGER=1" "dot/m1_u5_xw:EARLY_TRIGGER=1" \
            "gemv/baseline_t32:EARLY_TRIGGER=1;dot/m1_xw:EARLY_TRIGGER=1;dot/m1_u5_xw:EARLY_TRIGGER=1"; do
  i=$((i+1))
  SKINNY_EXPERIMENT_DEFINES="$spec" timeout 100 ./target/release/skinny decode --model llama-3-8b --table $TABLE \
    --json "$OUT/decode-llama-$i.json" >"$OUT/decode-llama-$i.log" 2>&1
  echo "[llama $i] '$spec': exit $?"
  grep -E "floor|skinny-graph-pdl |^│ .*llama|pdl_choices" "$OUT/decode-llama-$i.log" | grep -v timing | cut -c1-100
done
grep -E "PDL|pdl" "$OUT/decode-llama-1.log" | head -12
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
