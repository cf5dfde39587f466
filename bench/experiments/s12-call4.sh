#!/usr/bin/env bash
# Twelfth session, call 4: the session's final code on the GPU (no kernel source changed; the
# s11 tables are valid): the decode and dispatch GPU tests, `skinny dispatch --pdl` against the
# s11 chain table, then decode of qwen and llama with it. Carry ["target/release/skinny",
# "target/gpu"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
TABLE=bench/results/h200-2026-11-21-s11-dispatch-chain.json
timeout 150 ./target/gpu/cuda_decode --ignored --test-threads=1 >"$OUT/gpu-tests-decode.log" 2>&1
echo "GPU tests cuda_decode: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-decode.log" | head -3
timeout 150 ./target/gpu/cuda_dispatch --ignored --test-threads=1 >"$OUT/gpu-tests-dispatch.log" 2>&1
echo "GPU tests cuda_dispatch: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-dispatch.log" | head -3
./target/release/skinny dispatch --table $TABLE --shapes qwen2.5-0.5b@m1 >"$OUT/dispatch-plain.log" 2>&1; echo "dispatch: exit $?"
./target/release/skinny dispatch --pdl --table $TABLE --shapes qwen2.5-0.5b@m1 >"$OUT/dispatch-pdl.log" 2>&1; echo "dispatch --pdl: exit $?"
cat "$OUT/dispatch-pdl.log" | cut -c1-150
timeout 200 ./target/release/skinny decode --model qwen2.5-0.5b llama-3-8b --table $TABLE \
  --json "$OUT/decode-final.json" >"$OUT/decode-final.log" 2>&1
echo "decode: exit $?"
grep -E "floor|-eager|-graph|read chain" "$OUT/decode-final.log" | grep -v timing | cut -c1-110
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
