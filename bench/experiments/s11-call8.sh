#!/usr/bin/env bash
# Eleventh session, call 8: paced early W (apply bench/experiments/s11-pacing.patch and rebuild first), searched in qwen's PDL chain
# from cuBLAS on bench/experiments/registry-s11-pacing.toml. Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
timeout 300 ./target/release/skinny decode --model qwen2.5-0.5b --registry bench/experiments/registry-s11-pacing.toml --tune-chain \
  --chain-variants 'cublas*' gemv/baseline_t32 dot/m1_r4w1_xw dot/m1_r4_xw dot/m1_r8w2_xw dot/m1_r4w8_u3_xw dot/m1_u5_xw 'exp/*' \
  --write-table "$OUT/chain-exp.json" --json "$OUT/decode-chain-exp.json" >"$OUT/decode-chain-exp.log" 2>&1
echo "decode --tune-chain (pacing registry): exit $?"
grep -vE ": (filling|planning|timing|checking|measuring|[0-9]+ chains timed)" "$OUT/decode-chain-exp.log" | grep -E "│ 1×|closing|joint|floor|graph|read chain|fail"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
