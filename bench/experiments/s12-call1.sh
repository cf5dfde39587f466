#!/usr/bin/env bash
# Twelfth session, call 1: counted waits (common.cuh chain_begin / chain_arrive) against PDL's
# grid wait. The counted-chain GPU test, then decode of qwen and llama with the s11 chain table
# (built with bench/experiments/s12-any-digest.patch: the kernel sources changed, so the table's
# digest is stale; the picks are what is compared), then the tiny-latency chain, chain-searched,
# for the cost of one boundary. Carry ["target/release/skinny", "target/gpu"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
export SKINNY_EXPERIMENT_ANY_DIGEST=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv > "$OUT/gpu.txt" 2>&1
timeout 120 ./target/gpu/cuda_decode --ignored --test-threads=1 a_counted_chain >"$OUT/gpu-tests-counted.log" 2>&1
echo "GPU test a_counted_chain: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-counted.log" | head -3
timeout 200 ./target/release/skinny decode --model qwen2.5-0.5b llama-3-8b --table bench/results/h200-2026-11-21-s11-dispatch-chain.json \
  --json "$OUT/decode.json" >"$OUT/decode.log" 2>&1
echo "decode: exit $?"
grep -E "floor|-eager|-graph|read chain|table" "$OUT/decode.log" | grep -v timing
timeout 150 ./target/release/skinny decode --model-config bench/configs/tiny-latency/config.json --tune-chain \
  --chain-variants 'gemv/baseline*' 'dot/m1*' --write-table "$OUT/tiny-chain-table.json" --table bench/results/h200-2026-11-21-s11-dispatch-chain.json --json "$OUT/decode-tiny.json" >"$OUT/decode-tiny.log" 2>&1
echo "decode tiny: exit $?"
grep -E "floor|-eager|-graph|read chain|table" "$OUT/decode-tiny.log" | grep -v timing
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
