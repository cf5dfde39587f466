#!/usr/bin/env bash
# Eleventh session, call 9: the review mend on the GPU (timing through queued_us, the search's
# helpers): the short-probe and decode GPU tests, then qwen and llama with the s11 chain table.
# Carry ["target/release/skinny", "target/gpu"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
timeout 150 ./target/gpu/cuda_backend --ignored --test-threads=1 a_short_probe >"$OUT/gpu-tests-short-probe.log" 2>&1
echo "GPU tests cuda_backend a_short_probe: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-short-probe.log" | head -3
timeout 150 ./target/gpu/cuda_decode --ignored --test-threads=1 >"$OUT/gpu-tests-decode.log" 2>&1
echo "GPU tests cuda_decode: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-decode.log" | head -3
timeout 150 ./target/release/skinny decode --model qwen2.5-0.5b llama-3-8b --table bench/results/h200-2026-11-21-s11-dispatch-chain.json \
  --json "$OUT/decode-final.json" >"$OUT/decode-final.log" 2>&1
echo "decode: exit $?"
grep -E "floor|-eager|-graph|read chain" "$OUT/decode-final.log" | grep -v timing
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
