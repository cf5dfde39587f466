#!/usr/bin/env bash
# Thirteenth session, call 7: the review mend on the GPU (host code only; the ceiling's one-pass
# launch now comes from read_config). Carry ["target/release/skinny", "target/gpu"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
timeout 120 ./target/gpu/cuda_backend --ignored --test-threads=1 --nocapture a_short_probe >"$OUT/gpu-tests-short-probe.log" 2>&1
echo "GPU test short probe: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-short-probe.log" | head -3
timeout 100 ./target/release/skinny decode --model qwen2.5-0.5b llama-3-8b --table bench/results/h200-2026-11-21-s13-dispatch-chain.json \
  --json "$OUT/decode.json" >"$OUT/decode.log" 2>&1
echo "decode: exit $?"; grep -E "floor|skinny-graph|cublas-graph|cublas-eager" "$OUT/decode.log" | grep -v timing | cut -c1-110
python3 -c "
import json; c=json.load(open('$OUT/decode.json'))['ceilings']
print([n for n in c['notes'] if n.startswith('read_bandwidth')][0])"
