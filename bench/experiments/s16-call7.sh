#!/usr/bin/env bash
# Sixteenth session, call 7: the tables on the new sources (digest 59d673b1) from this session's
# probes (call 3: M = 1 both layouts; call 4: the decode grid at M = 1 and 8; calls 5-6: both
# models at M = 1-16), ranked cold and graph; the chain search from the graph table seeded with
# the s13 chain picks (qwen, then llama from qwen's table); decode of both with the chain table;
# the dispatch check on four untuned models with the cold table.
# Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
r=bench/results/h200-2026-11-21-s16
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
probes="$r-call3-tune-probe.json.gz $r-call4-grid-probe.json.gz $r-call4-grid-m8-probe.json.gz $r-call5-mbar-probe.json.gz $r-call6-mbar-probe.json.gz"
for metric in gpu-cold graph; do
  # shellcheck disable=SC2086
  $skinny tune --from $probes --metric $metric --out "$OUT/dispatch-$metric.json" >"$OUT/tune-$metric.log" 2>&1
  echo "tune $metric: exit $?"; tail -3 "$OUT/tune-$metric.log"
done
python3 bench/tools/seed_chain_picks.py "$OUT/dispatch-graph.json" bench/results/h200-2026-11-21-s13-dispatch-chain.json \
  "$OUT/chain-seed.json"
table="$OUT/chain-seed.json"
for run in qwen2.5-0.5b:1 llama-3-8b:2; do
  model=${run%%:*}; n=${run##*:}
  timeout 170 $skinny decode --model "$model" --table "$table" --tune-chain \
    --chain-variants 'cublas*' 'gemv/*' 'dot/*' 'mma/*' \
    --write-table "$OUT/dispatch-chain-$n.json" --json "$OUT/decode-chain-$n-$model.json" \
    >"$OUT/decode-chain-$n-$model.log" 2>&1
  echo "[$n] decode --tune-chain $model: exit $?"
  grep -E "closing|chains timed in|floor|skinny-graph|cublas-graph|cublas-eager" "$OUT/decode-chain-$n-$model.log" \
    | grep -v timing | cut -c1-160
  [ -f "$OUT/dispatch-chain-$n.json" ] && table="$OUT/dispatch-chain-$n.json"
done
timeout 90 $skinny decode --model qwen2.5-0.5b llama-3-8b --table "$table" \
  --json "$OUT/decode.json" >"$OUT/decode.log" 2>&1
echo "decode: exit $?"; grep -vE ": (filling|planning|timing|checking|measuring)" "$OUT/decode.log" | tail -24
configs=()
for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
  configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
done
timeout 120 $skinny dispatch --table "$OUT/dispatch-gpu-cold.json" "${configs[@]}" --dtype bf16 --measure \
  --time-cap-ms 60 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
echo "dispatch check: exit $?"; grep -iE "within|warning|slower" "$OUT/dispatch-check.log" | tail -8
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
