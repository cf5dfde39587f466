#!/usr/bin/env bash
# Twelfth session, call 5: where each kernel lets the next one launch. LATE_TRIGGER (common.cuh,
# experiment) moves gemv_split's and gemv_baseline's griddepcontrol.launch_dependents from after
# the wait to after the block's loop (1) or after its stores (2), per variant through
# SKINNY_EXPERIMENT_DEFINES; qwen's PDL chain with the s11 chain picks (qkv and lm_head
# dot/m1_r4w1_xw, o and down dot/m1_r4w8_u3_xw, gate_up dot/m1_r8w2_xw). Binary built with
# bench/experiments/s12-any-digest.patch. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
export SKINNY_EXPERIMENT_ANY_DIGEST=1
TABLE=bench/results/h200-2026-11-21-s11-dispatch-chain.json
i=0
for spec in "" "dot/m1_r4w8_u3_xw:LATE_TRIGGER=1" "dot/m1_r4w8_u3_xw:LATE_TRIGGER=2" "dot/m1_r8w2_xw:LATE_TRIGGER=1" \
            "dot/m1_r4w1_xw:LATE_TRIGGER=1" \
            "dot/m1_r4w8_u3_xw:LATE_TRIGGER=1;dot/m1_r8w2_xw:LATE_TRIGGER=1;dot/m1_r4w1_xw:LATE_TRIGGER=1" \
            "dot/m1_r4w8_u3_xw:LATE_TRIGGER=2;dot/m1_r8w2_xw:LATE_TRIGGER=2;dot/m1_r4w1_xw:LATE_TRIGGER=2" ""; do
  i=$((i+1))
  SKINNY_EXPERIMENT_DEFINES="$spec" timeout 100 ./target/release/skinny decode --model qwen2.5-0.5b --table $TABLE \
    --json "$OUT/decode-trigger-$i.json" >"$OUT/decode-trigger-$i.log" 2>&1
  echo "[$i] '$spec': exit $?"
  grep -E "floor|skinny-graph-pdl " "$OUT/decode-trigger-$i.log" | grep -v timing | cut -c1-100
done
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
