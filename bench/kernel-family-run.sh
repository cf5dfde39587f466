#!/usr/bin/env bash
# One GPU call for the kernel-family issue: GPU tests, then M = 1 (nt), decode batches,
# [k, n] weights and tiny n, each into its own JSON and log under $OUT. Build first, here:
#   cargo build --release && bench/build-gpu-tests.sh
# then run with carry ["target/release/skinny", "target/gpu"]:  bash bench/kernel-family-run.sh
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
cap=${CAP_MS:-100}

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1

if [ -x target/gpu/cuda_backend ]; then
  ./target/gpu/cuda_backend --ignored --test-threads=1 >"$OUT/gpu-tests.log" 2>&1
  echo "GPU tests: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests.log" | head -5
fi

run() {  # name, probe arguments...
  local name=$1; shift
  $skinny probe --backend cuda "$@" --time-cap-ms "$cap" --json "$OUT/$name.json" >"$OUT/$name.log" 2>&1
  echo "$name: exit $? ($(grep -E '^summary' "$OUT/$name.log"))"
}
vendors=(cublas/gemm cublaslt/matmul cublas/gemm+bias)
run m1 --shapes qwen2.5-0.5b llama-3-8b --variants "${vendors[@]}" dot/m1 dot/m1_r4 gemv/baseline 'mma/*'
run batch --shapes qwen2.5-0.5b@m2,4,8,16 llama-3-8b@m2,4,8,16 \
  --variants "${vendors[@]}" 'mma/*' gemv/multirow4 gemv/multirow
run nn --shapes qwen2.5-0.5b llama-3-8b --layout nn --variants "${vendors[@]}" 'gemv/nn*' tiled/nn_fast
run tiny-n --shapes tiny-n --variants "${vendors[@]}" gemv/smalln gemv/baseline 'tiled/*' gemm_tiled/baseline
