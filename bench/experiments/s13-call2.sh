#!/usr/bin/env bash
# Thirteenth session, call 2 (digest bfe77eb7, no kernel change). Carry ["target/release/skinny"].
# 1. The PDL chain table on top of the grid: the s13 graph-ranked table, seeded with the s12
#    chain table's picks (copied per problem key; same sources, same probe data for those
#    problems), then the chain search for qwen and llama from there (each followed by every
#    decode mode): the picks are re-measured, not carried over. (The s13 graph table as committed
#    then: 28 problems, M = 1 only; call 3 replaced it with the one holding M = 8.)
# 2. The dispatch check again with the s13 cold table (call 1's margin on Gemma q/k/v was 1.8 %).
# 3. bench/experiments/s13-readbw.cu, built here with nvcc: the read-bandwidth reading's spread,
#    pattern against placement.
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
python3 bench/tools/seed_chain_picks.py bench/results/h200-2026-11-21-s13-dispatch-graph.json bench/results/h200-2026-11-21-s12-dispatch-chain.json \
  "$OUT/chain-seed.json"
table="$OUT/chain-seed.json"
for run in qwen2.5-0.5b:1 llama-3-8b:2; do
  model=${run%%:*}; n=${run##*:}
  timeout 170 $skinny decode --model "$model" --table "$table" --tune-chain \
    --chain-variants 'cublas*' 'gemv/*' 'dot/*' 'mma/*' \
    --write-table "$OUT/dispatch-chain-$n.json" --json "$OUT/decode-chain-$n-$model.json" \
    >"$OUT/decode-chain-$n-$model.log" 2>&1
  echo "[$n] decode --tune-chain $model: exit $?"
  grep -E "closing|chains timed in|floor|skinny-graph|cublas-graph|cublas-eager|^│ 1×" "$OUT/decode-chain-$n-$model.log" \
    | grep -v timing | cut -c1-160
  [ -f "$OUT/dispatch-chain-$n.json" ] && table="$OUT/dispatch-chain-$n.json"
done
configs=()
for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
  configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
done
timeout 120 $skinny dispatch --table bench/results/h200-2026-11-21-s13-dispatch.json "${configs[@]}" --dtype bf16 \
  --measure --time-cap-ms 60 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
echo "dispatch check: exit $?"; grep -E "within|^gemma-2-2b/qkv 1" "$OUT/dispatch-check.log" | tail -3
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
$nvcc -O3 -arch=sm_90 -o /tmp/readbw bench/experiments/s13-readbw.cu >"$OUT/readbw-build.log" 2>&1
echo "readbw build: exit $?"
timeout 90 /tmp/readbw >"$OUT/readbw.csv" 2>&1
echo "readbw: exit $?"; cat "$OUT/readbw.csv"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
