#!/usr/bin/env bash
# Thirteenth session, call 5: the read ceiling over five launch shapes (two of them one pass).
# Carry ["target/release/skinny", "target/gpu"].
# 1. The short-probe GPU test (every figure, the ceilings and their note).
# 2. Decode of both models with the committed s13 chain table (no search).
# 3. The dispatch check with the committed s13 cold table.
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 150 ./target/gpu/cuda_backend --ignored --test-threads=1 --nocapture a_short_probe >"$OUT/gpu-tests-short-probe.log" 2>&1
echo "GPU test short probe: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-short-probe.log" | head -3
timeout 100 $skinny decode --model qwen2.5-0.5b llama-3-8b --table bench/results/h200-2026-11-21-s13-dispatch-chain.json \
  --json "$OUT/decode.json" >"$OUT/decode.log" 2>&1
echo "decode: exit $?"; grep -E "floor|skinny-graph|cublas-graph|cublas-eager" "$OUT/decode.log" | grep -v timing | cut -c1-120
python3 -c "
import json; c=json.load(open('$OUT/decode.json'))['ceilings']
print([n for n in c['notes'] if n.startswith('read_bandwidth')][0])" 2>&1 | tail -1
configs=()
for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
  configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
done
timeout 130 $skinny dispatch --table bench/results/h200-2026-11-21-s13-dispatch.json "${configs[@]}" --dtype bf16 \
  --measure --time-cap-ms 60 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
echo "dispatch check: exit $?"; grep -E "within|^gemma-2-2b/qkv 1" "$OUT/dispatch-check.log" | tail -2
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
