#!/usr/bin/env bash
# Twelfth session, call 10: the final code again (no source changed since call 9): the dispatch
# check on the four untuned models a second time (call 9's 39/40 was gemma qkv at 1.053x, the
# same rule pick s11 measured at 1.045x), then qwen and llama decode with the s12 chain table.
# Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
configs=()
for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
  configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
done
timeout 110 ./target/release/skinny dispatch --table bench/results/h200-2026-11-21-s12-dispatch.json "${configs[@]}" \
  --dtype bf16 --measure --time-cap-ms 60 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
echo "dispatch check: exit $?"; grep -iE "within|warning" "$OUT/dispatch-check.log" | tail -3
awk '$NF+0 > 1.0' "$OUT/dispatch-check.log" | grep -E "×" | cut -c1-120
timeout 150 ./target/release/skinny decode --model qwen2.5-0.5b llama-3-8b --table bench/results/h200-2026-11-21-s12-dispatch-chain.json \
  --json "$OUT/decode-final.json" >"$OUT/decode-final.log" 2>&1
echo "decode: exit $?"
grep -E "floor|-eager|-graph|read chain" "$OUT/decode-final.log" | grep -v timing | cut -c1-100
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
