#!/usr/bin/env bash
# Thirteenth session, call 4: the read-bandwidth ceiling as the best of three launch shapes
# (host code; digest bfe77eb7 unchanged). Carry ["target/release/skinny", "target/gpu"].
# 1. The short-probe GPU test (every figure and the ceilings, with the new note).
# 2. The M = 1 nt probe of the two models with the variants that win them: the new ceiling's
#    reading and the issue-4 figures against it.
# 3. The chain table on the s13 tables with M = 8 (seeded with call 2's picks, searched again for
#    qwen and llama), each followed by every decode mode: the floor on the new ceiling.
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 150 ./target/gpu/cuda_backend --ignored --test-threads=1 --nocapture a_short_probe >"$OUT/gpu-tests-short-probe.log" 2>&1
echo "GPU test short probe: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-short-probe.log" | head -3
NT="cublas/gemm cublas/gemm+bias cublaslt/matmul gemv/baseline_t32 mma/m8_k8 mma/m8_u4 dot/m1_grid dot/m1_r4w1_xw dot/m1_u5_xw dot/m1_xw dot/m1_u8_xw dot/m1_r8w2_xw"
timeout 150 $skinny probe --backend cuda --shapes qwen2.5-0.5b@m1 llama-3-8b@m1 --layout nt --variants $NT \
  --time-cap-ms 40 --json "$OUT/probe-m1.json" >"$OUT/probe-m1.log" 2>&1
echo "probe: exit $?"; grep -E "^summary|read bandwidth|read_bandwidth" "$OUT/probe-m1.log" | head -4
python3 bench/tools/seed_chain_picks.py bench/results/h200-2026-11-21-s13-dispatch-graph.json bench/results/h200-2026-11-21-s13-dispatch-chain.json \
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
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
