#!/usr/bin/env bash
# Re-tune every table after a change to the kernel sources or the registry (the sources digest
# moved, so the committed tables are refused). The sixteenth session's calls 3-7 as one script
# in four parts, each fitting one device call (wall times measured there):
#   PART=m1    the GPU test of NEW_VARIANTS, memcheck and racecheck on them, and the M = 1 probe
#              of both models in both layouts (~310 s)
#   PART=grid  the decode grid at M = 1 and M = 8 (~165 s)
#   PART=mbar MODEL=llama-3-8b | qwen2.5-0.5b
#              the model at M = 1, 2, 4, 8, 16 with every M > 1 kernel that won somewhere: the
#              issue-4 M bar and the tables' M > 1 rows (19 variants: llama ~460 s, qwen ~180 s;
#              each variant in MBAR_EXTRA adds ~5 %: past ~22 for llama, set MS=1,2,4,8 and
#              probe M = 16 in a second call)
#   PART=final the tables from the five probes (cold and graph), the chain search seeded with
#              the committed chain table's picks, decode of both models, the dispatch check (~125 s)
# Build here: cargo build --release && bash bench/build-gpu-tests.sh; carry
# ["target/release/skinny", "target/gpu"]. Copy each part's files into bench/results under
# RUN's prefix before the next part: PART=final reads the probes from there.
#   RUN=bench/results/h200-DATE-sNN-retune  (prefix of the probe files; required)
#   CHAIN_TABLE=bench/results/...-dispatch-chain.json  (the picks to seed; PART=final)
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
run=${RUN:?RUN must name the result prefix, e.g. bench/results/h200-2026-11-22-s17-retune}
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1

# probe SECONDS NAME ARGS...: one probe into $OUT/NAME.json; stops the script if it left no
# file (the sixteenth session's call 10 went on without one and every later step failed).
probe() {
  local seconds=$1 name=$2
  shift 2
  timeout "$seconds" $skinny probe --backend cuda "$@" --json "$OUT/$name.json" >"$OUT/$name.log" 2>&1
  echo "$name: exit $?"; grep -E "^summary" "$OUT/$name.log"
  if [ ! -f "$OUT/$name.json" ]; then
    echo "$name left no file: stopping"
    tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
    exit 1
  fi
}
test_run() { # NAME SECONDS [SANITIZER ARGS...]
  local name=$1 seconds=$2
  shift 2
  SKINNY_TEST_VARIANTS="${NEW_VARIANTS:?NEW_VARIANTS: the globs of the new variants}" timeout "$seconds" "$@" \
    ./target/gpu/cuda_backend --ignored --test-threads=1 --nocapture every_cuda_variant >"$OUT/$name.log" 2>&1
  echo "$name: exit $?"; grep -E "checked|test result|ERROR SUMMARY|RACECHECK SUMMARY|panicked" "$OUT/$name.log" | head -4
}

M1_NT="cublas/gemm cublas/gemm+bias cublaslt/matmul dot/m1_grid dot/m1_r4w1_xw dot/m1_r4w8_u3_xw dot/m1_r8w2_xw dot/m1_u5_xw dot/m1_u8_xw dot/m1_xw gemv/baseline_t32 mma/m8_k8 mma/m8_s4 mma/m8_u4"
M1_NN="gemv/nn_c256_m1 gemv/nn_cl16_c256_m1 gemv/nn_cl16_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl4_c128_m1 gemv/nn_cl8_c128_m1 gemv/nn_cl8_c256_u16_m1"
GRID8="cublas/gemm cublaslt/matmul mma/m8_k8 mma/m8_s4 mma/m8_s4p mma/m8_u4 mma/m16_s4 ring/m8_*"
MBAR="cublas/gemm cublas/gemm+bias cublaslt/matmul dot/m2_* dot/m4_* dot/m1_xw dot/m1_u5_xw dot/m1_r8w2_xw dot/m1_r4w1_xw gemv/baseline_t32 mma/m8_k8 mma/m8_s4p mma/m8_u4 mma/m16_s4 mma/m16_k8 ring/* xres/* ${MBAR_EXTRA:-}"

case "${PART:?PART: m1, grid, mbar or final}" in
m1)
  test_run gpu-test 90
  test_run memcheck 120 /usr/local/cuda/bin/compute-sanitizer --tool memcheck
  test_run racecheck 150 /usr/local/cuda/bin/compute-sanitizer --tool racecheck
  # shellcheck disable=SC2086
  probe 330 tune-probe --shapes qwen2.5-0.5b@m1 llama-3-8b@m1 --layout nt,nn --variants $M1_NT $M1_NN --time-cap-ms 40
  ;;
grid)
  # shellcheck disable=SC2086
  probe 250 grid-probe --shapes decode-grid --layout nt --variants ${M1_NT/cublas\/gemm+bias /} --time-cap-ms 40
  # shellcheck disable=SC2086
  probe 200 grid-m8-probe --shapes decode-grid@m8 --layout nt --variants $GRID8 --time-cap-ms 20
  ;;
mbar)
  model=${MODEL:?MODEL: llama-3-8b or qwen2.5-0.5b}
  # shellcheck disable=SC2086
  probe 560 "mbar-$model" --shapes "$model@m${MS:-1,2,4,8,16}" --layout nt --variants $MBAR --time-cap-ms 20
  python3 bench/tools/m_bar.py "$OUT/mbar-$model.json" 2>&1 | tee "$OUT/mbar-$model-summary.txt"
  ;;
final)
  set +f
  probes="$run-tune-probe.json.gz $run-grid-probe.json.gz $run-grid-m8-probe.json.gz $run-mbar-llama-3-8b.json.gz $run-mbar-qwen2.5-0.5b.json.gz"
  for f in $probes; do [ -f "$f" ] || { echo "missing $f: stopping"; exit 1; }; done
  for metric in gpu-cold graph; do
    # shellcheck disable=SC2086
    $skinny tune --from $probes --metric $metric --out "$OUT/dispatch-$metric.json" >"$OUT/tune-$metric.log" 2>&1
    echo "tune $metric: exit $?"
  done
  python3 bench/tools/seed_chain_picks.py "$OUT/dispatch-graph.json" "${CHAIN_TABLE:?CHAIN_TABLE: the chain table to seed from}" \
    "$OUT/chain-seed.json"
  table="$OUT/chain-seed.json"
  for step in qwen2.5-0.5b:1 llama-3-8b:2; do
    model=${step%%:*}; n=${step##*:}
    timeout 170 $skinny decode --model "$model" --table "$table" --tune-chain \
      --chain-variants 'cublas*' 'gemv/*' 'dot/*' 'mma/*' \
      --write-table "$OUT/dispatch-chain-$n.json" --json "$OUT/decode-chain-$n-$model.json" \
      >"$OUT/decode-chain-$n-$model.log" 2>&1
    echo "[$n] decode --tune-chain $model: exit $?"
    grep -E "closing comparison: start" "$OUT/decode-chain-$n-$model.log" | cut -c1-160
    [ -f "$OUT/dispatch-chain-$n.json" ] && table="$OUT/dispatch-chain-$n.json"
  done
  timeout 90 $skinny decode --model qwen2.5-0.5b llama-3-8b --table "$table" \
    --json "$OUT/decode.json" >"$OUT/decode.log" 2>&1
  echo "decode: exit $?"; grep -E "floor|skinny-graph|cublas-graph|cublas-eager" "$OUT/decode.log" | grep -v timing
  configs=()
  for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
    configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
  done
  timeout 120 $skinny dispatch --table "$OUT/dispatch-gpu-cold.json" "${configs[@]}" --dtype bf16 --measure \
    --time-cap-ms 60 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
  echo "dispatch check: exit $?"; grep -iE "within|warning|slower" "$OUT/dispatch-check.log" | tail -4
  ;;
*) echo "PART must be m1, grid, mbar or final"; exit 2 ;;
esac
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
