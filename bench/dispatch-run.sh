#!/usr/bin/env bash
# GPU calls for the dispatch issue. Build first, here:
#   cargo build --release && bench/build-gpu-tests.sh
# then run with carry ["target/release/skinny", "target/gpu"]:
#   bash bench/dispatch-run.sh tune            GPU tests, then `skinny tune` (M = 1 and 8)
#   bash bench/dispatch-run.sh decode TABLE    `skinny decode` both models, dispatch check on
#                                              four other models' configs
#   bash bench/dispatch-run.sh all             dispatch tests, tune, decode and check with the
#                                              fresh table, then the kernel GPU tests; each
#                                              stage under a timeout so one call fits 600 s
# Everything lands in $OUT (and $OUT/all.tgz).
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
stage=${1:?tune or decode}
cap=${CAP_MS:-100}

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi-$stage.csv" 2>&1

case $stage in
all)
  ./target/gpu/cuda_dispatch --ignored --test-threads=1 >"$OUT/gpu-tests-cuda_dispatch.log" 2>&1
  echo "GPU tests cuda_dispatch: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-cuda_dispatch.log" | head -5
  timeout 300 $skinny tune --backend cuda --shapes qwen2.5-0.5b@m1,8 llama-3-8b@m1,8 \
    --variants 'cublas*' gemv/baseline 'dot/*' gemv/splitk 'gemv/multirow*' 'mma/*' \
    --time-cap-ms "$cap" --json "$OUT/tune-probe.json" --out "$OUT/dispatch.json" >"$OUT/tune.log" 2>&1
  echo "tune: exit $?"; grep -A40 "^dispatch table" "$OUT/tune.log" | head -42
  timeout 120 $skinny decode --model qwen2.5-0.5b llama-3-8b --table "$OUT/dispatch.json" \
    --json "$OUT/decode.json" >"$OUT/decode.log" 2>&1
  echo "decode: exit $?"; grep -vE ": (filling|planning|timing|checking|measuring)" "$OUT/decode.log" | tail -60
  configs=()
  for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
    configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
  done
  timeout 90 $skinny dispatch --table "$OUT/dispatch.json" "${configs[@]}" \
    --dtype bf16 --measure --time-cap-ms 100 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
  echo "dispatch check: exit $?"; grep -A45 "^shape " "$OUT/dispatch-check.log"
  timeout "${TESTS_S:-60}" ./target/gpu/cuda_backend --ignored --test-threads=1 >"$OUT/gpu-tests-cuda_backend.log" 2>&1
  echo "GPU tests cuda_backend: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-cuda_backend.log" | head -5
  ;;
tune)
  for t in cuda_dispatch cuda_backend; do
    ./target/gpu/$t --ignored --test-threads=1 >"$OUT/gpu-tests-$t.log" 2>&1
    echo "GPU tests $t: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-$t.log" | head -5
  done
  $skinny tune --backend cuda --shapes qwen2.5-0.5b@m1,8 llama-3-8b@m1,8 \
    --variants 'cublas*' gemv/baseline 'dot/*' gemv/splitk 'gemv/multirow*' 'mma/*' \
    --time-cap-ms "$cap" --json "$OUT/tune-probe.json" --out "$OUT/dispatch.json" >"$OUT/tune.log" 2>&1
  echo "tune: exit $?"; tail -25 "$OUT/tune.log"
  ;;
decode)
  table=${2:?the dispatch table}
  $skinny decode --model qwen2.5-0.5b llama-3-8b --table "$table" --json "$OUT/decode.json" \
    >"$OUT/decode.log" 2>&1
  echo "decode: exit $?"; grep -vE "^(qwen|llama).*: (filling|planning|timing|checking)" "$OUT/decode.log" | tail -60
  configs=()
  for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
    configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
  done
  $skinny dispatch --table "$table" "${configs[@]}" --dtype bf16 --measure \
    --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
  echo "dispatch check: exit $?"; tail -45 "$OUT/dispatch-check.log"
  ;;
esac
(cd "$OUT" && tar czf /tmp/all.tgz --exclude all.tgz . && mv /tmp/all.tgz all.tgz)
