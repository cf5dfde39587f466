#!/usr/bin/env bash
# Eleventh session, call 5: more block shapes for qwen's short rows
# (bench/experiments/registry-s11-shapes.toml), searched in the PDL chain from cuBLAS (the
# embedded tables do not fit an experiment registry), with joint changes of neighbours.
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
timeout 300 $skinny decode --model qwen2.5-0.5b --registry bench/experiments/registry-s11-shapes.toml --tune-chain \
  --chain-variants 'cublas*' gemv/baseline_t32 'dot/m1_r*' dot/m1_u5_xw dot/m1_w1 'exp/*' \
  --write-table "$OUT/chain-exp.json" --json "$OUT/decode-chain-exp.json" >"$OUT/decode-chain-exp.log" 2>&1
echo "decode --tune-chain (shapes registry): exit $?"
grep -vE ": (filling|planning|timing|checking|measuring|[0-9]+ chains timed)" "$OUT/decode-chain-exp.log" | grep -E "│ 1×|closing|joint|floor|graph|read chain"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
