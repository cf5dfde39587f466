#!/usr/bin/env bash
# Thirteenth session, call 1 (digest bfe77eb7, no kernel change). Carry ["target/release/skinny"].
# 1. Decode of both models with the s12 chain table: this run's reading of the current picks.
# 2. The chain search for qwen over the one-load block shapes and early-trigger twins of
#    bench/experiments/registry-s13-et.toml, from cuBLAS (an experiment registry has another
#    digest, so no table fits it).
# 3. The decode-grid shape set probed at M = 1 (nt, the s12 probe's variant list), tables built
#    from it together with the s12 probe of the two models, and the dispatch check on the
#    four untuned models with the cold-ranked one.
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
NT="cublas/gemm cublas/gemm+bias cublaslt/matmul gemv/baseline_t32 mma/m8_k8 mma/m8_u4 mma/m8_s4 dot/m1_grid dot/m1_r4w1_xw dot/m1_u5_xw dot/m1_xw dot/m1_u8_xw dot/m1_r4w8_u3_xw dot/m1_r8w2_xw"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
filter() { grep -vE ": (filling|planning|timing|checking|measuring|[0-9]+ chains timed)" "$1"; }

timeout 60 $skinny decode --model qwen2.5-0.5b llama-3-8b --table bench/results/h200-2026-11-21-s12-dispatch-chain.json \
  --json "$OUT/decode-s12.json" >"$OUT/decode-s12.log" 2>&1
echo "decode (s12 chain table): exit $?"; filter "$OUT/decode-s12.log" | grep -E "floor|graph|eager|read" | head -20

timeout 150 $skinny decode --model qwen2.5-0.5b --registry bench/experiments/registry-s13-et.toml --tune-chain \
  --chain-variants 'cublas*' gemv/baseline_t32 'dot/m1_r*' dot/m1_u5_xw 'exp/*' \
  --write-table "$OUT/chain-exp.json" --json "$OUT/decode-chain-exp.json" >"$OUT/decode-chain-exp.log" 2>&1
echo "decode --tune-chain (s13 registry): exit $?"
filter "$OUT/decode-chain-exp.log" | grep -E "│ 1×|joint|floor|graph|read chain" | head -30

timeout 240 $skinny probe --backend cuda --shapes decode-grid --layout nt --variants $NT --time-cap-ms 40 \
  --json "$OUT/grid-probe.json" >"$OUT/grid-probe.log" 2>&1
echo "grid probe: exit $?"; grep -E "^summary" "$OUT/grid-probe.log"
s12=bench/results/h200-2026-11-21-s12-call8-tune-probe.json.gz
$skinny tune --from $s12 "$OUT/grid-probe.json" --metric gpu-cold --out "$OUT/dispatch-grid.json" >"$OUT/tune-grid.log" 2>&1
echo "tune cold: exit $?"; tail -12 "$OUT/tune-grid.log"
$skinny tune --from $s12 "$OUT/grid-probe.json" --metric graph --out "$OUT/dispatch-grid-graph.json" >"$OUT/tune-grid-graph.log" 2>&1
echo "tune graph: exit $?"
configs=()
for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
  configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
done
timeout 120 $skinny dispatch --table "$OUT/dispatch-grid.json" "${configs[@]}" --dtype bf16 --measure \
  --time-cap-ms 60 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
echo "dispatch check: exit $?"; grep -iE "within|warning|slower" "$OUT/dispatch-check.log" | tail -8
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
