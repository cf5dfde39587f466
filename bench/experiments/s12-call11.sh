#!/usr/bin/env bash
# Twelfth session, call 11: the code after the review mend (host code only; digest bfe77eb7):
# the decode and dispatch GPU tests, then qwen and llama decode with the s12 chain table.
# Carry ["target/release/skinny", "target/gpu"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
for t in cuda_decode cuda_dispatch; do
  timeout 100 ./target/gpu/$t --ignored --test-threads=1 >"$OUT/gpu-tests-$t.log" 2>&1
  echo "GPU tests $t: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-$t.log" | head -3
done
timeout 150 ./target/release/skinny decode --model qwen2.5-0.5b llama-3-8b --table bench/results/h200-2026-11-21-s12-dispatch-chain.json \
  --json "$OUT/decode-final.json" >"$OUT/decode-final.log" 2>&1
echo "decode: exit $?"
grep -E "floor|-eager|-graph|read chain" "$OUT/decode-final.log" | grep -v timing | cut -c1-100
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
