#!/usr/bin/env bash
# Eleventh session, call 7: the reviewed chain search (joint changes confirmed on a fresh timing,
# failing pairs recorded) on the GPU: its test, then qwen's search from the graph-ranked table
# and every decode mode with its picks. Carry ["target/release/skinny", "target/gpu"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
timeout 150 ./target/gpu/cuda_decode --ignored --test-threads=1 --nocapture >"$OUT/gpu-tests-decode.log" 2>&1
echo "GPU tests cuda_decode: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-decode.log" | head -4
timeout 200 ./target/release/skinny decode --model qwen2.5-0.5b --table bench/results/h200-2026-11-21-s11-dispatch-graph.json \
  --tune-chain --write-table "$OUT/dispatch-chain-qwen.json" --json "$OUT/decode-chain-qwen.json" >"$OUT/decode-chain-qwen.log" 2>&1
echo "decode --tune-chain qwen: exit $?"
grep -vE ": (filling|planning|timing|checking|measuring|[0-9]+ chains timed)" "$OUT/decode-chain-qwen.log" | grep -E "│ 1×|closing|joint|floor|graph|eager|read chain|fail"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
