#!/usr/bin/env bash
# Sixteenth session, call 10: the tables' M = 2, 4 and 8 rows on the second re-tune's sources
# (both models in one run; M = 1 comes from call 9's probe; M = 16 is left out for the device
# budget: its kernels' sources did not change since calls 5-6, which measured it), the kernels
# that won somewhere at those M; then the tables from calls 9-10, the chain search (seeded with
# call 7's picks), decode of both models and the dispatch check.
# Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
r=bench/results/h200-2026-11-21-s16
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
V="cublas/gemm cublas/gemm+bias cublaslt/matmul mma/m8_k8 mma/m8_s4p mma/m8_u4 mma/m16_s4 ring/m8_* dot/m2_* dot/m4_*"
# shellcheck disable=SC2086
timeout "${PROBE_S:-260}" $skinny probe --backend cuda --shapes llama-3-8b@m2,4,8 qwen2.5-0.5b@m2,4,8 --layout nt --variants $V \
  --time-cap-ms 20 --json "$OUT/mbar-probe.json" >"$OUT/mbar-probe.log" 2>&1
echo "M-bar probe: exit $?"; grep -E "^summary" "$OUT/mbar-probe.log"
python3 bench/tools/m_bar.py "$r-call9-tune-probe.json.gz" "$OUT/mbar-probe.json" 2>&1 | tee "$OUT/mbar-summary.txt"
set +f
probes="$r-call9-tune-probe.json.gz $r-call9-grid-probe.json.gz $r-call9-grid-m8-probe.json.gz $OUT/mbar-probe.json"
for metric in gpu-cold graph; do
  # shellcheck disable=SC2086
  $skinny tune --from $probes --metric $metric --out "$OUT/dispatch-$metric.json" >"$OUT/tune-$metric.log" 2>&1
  echo "tune $metric: exit $?"
done
python3 bench/tools/seed_chain_picks.py "$OUT/dispatch-graph.json" "$r-dispatch-chain.json" "$OUT/chain-seed.json"
table="$OUT/chain-seed.json"
for run in qwen2.5-0.5b:1 llama-3-8b:2; do
  m=${run%%:*}; n=${run##*:}
  timeout 80 $skinny decode --model "$m" --table "$table" --tune-chain \
    --chain-variants 'cublas*' 'gemv/*' 'dot/*' 'mma/*' \
    --write-table "$OUT/dispatch-chain-$n.json" --json "$OUT/decode-chain-$n-$m.json" \
    >"$OUT/decode-chain-$n-$m.log" 2>&1
  echo "[$n] decode --tune-chain $m: exit $?"
  grep -E "closing comparison: start" "$OUT/decode-chain-$n-$m.log" | cut -c1-160
  [ -f "$OUT/dispatch-chain-$n.json" ] && table="$OUT/dispatch-chain-$n.json"
done
timeout 60 $skinny decode --model qwen2.5-0.5b llama-3-8b --table "$table" \
  --json "$OUT/decode.json" >"$OUT/decode.log" 2>&1
echo "decode: exit $?"; grep -E "floor|skinny-graph|cublas-graph|cublas-eager" "$OUT/decode.log" | grep -v timing
configs=()
for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
  configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
done
timeout 90 $skinny dispatch --table "$OUT/dispatch-gpu-cold.json" "${configs[@]}" --dtype bf16 --measure \
  --time-cap-ms 60 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
echo "dispatch check: exit $?"; grep -iE "within|warning|slower" "$OUT/dispatch-check.log" | tail -8
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
