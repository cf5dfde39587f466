#!/usr/bin/env bash
# Eleventh session, call 2: decode's graph modes timed as GPU time behind a spin (the probe's
# convention; before, the host's graph launch was inside the timed region). The decode GPU
# tests, qwen and llama with the tenth session's chain table, and the chain search on the
# experiment registry again. Carry ["target/release/skinny", "target/gpu"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 180 ./target/gpu/cuda_decode --ignored --test-threads=1 --nocapture >"$OUT/gpu-tests-decode.log" 2>&1
echo "GPU tests cuda_decode: exit $?"; grep -E "test result|panicked|FAIL" "$OUT/gpu-tests-decode.log" | head -6
timeout 120 $skinny decode --model qwen2.5-0.5b llama-3-8b --table bench/results/h200-2026-11-21-s10-dispatch-chain.json \
  --json "$OUT/decode-s10-table.json" >"$OUT/decode-s10-table.log" 2>&1
echo "decode (s10 chain table): exit $?"
grep -E "floor|-eager|-graph|read chain" "$OUT/decode-s10-table.log" | tail -22
timeout 150 $skinny decode --model qwen2.5-0.5b --registry bench/experiments/registry-s11-waves.toml --tune-chain \
  --chain-variants 'cublas*' gemv/baseline_t32 'dot/m1_r4*' dot/m1_u5_xw dot/m1_w1 dot/m1_r2w1_xw 'exp/*' \
  --write-table "$OUT/chain-exp.json" --json "$OUT/decode-chain-exp.json" >"$OUT/decode-chain-exp.log" 2>&1
echo "decode --tune-chain (exp registry): exit $?"
grep -vE ": (filling|planning|timing|checking|measuring|[0-9]+ chains timed)" "$OUT/decode-chain-exp.log" | grep -E "│ 1×|closing|floor|graph|read chain"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
