#!/usr/bin/env bash
# One call on the GPU machine: the compile check, the GPU tests, then the probe. Everything it
# prints also goes to logs under $OUT. Build first, here:
#   cargo build --release && bench/build-gpu-tests.sh
# then run with carry ["target/release/skinny", "target/gpu"]:
#   bash bench/gpu-run.sh [probe arguments...]
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
probe_args=("$@")
if [ ${#probe_args[@]} -eq 0 ]; then
  probe_args=(--shapes qwen2.5-0.5b llama-3-8b)
fi

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
cat "$OUT/nvidia-smi.csv"

./target/release/skinny kernels >"$OUT/kernels.log" 2>&1
echo "skinny kernels: exit $?"; tail -n 3 "$OUT/kernels.log"

if [ -x target/gpu/cuda_backend ]; then
  ./target/gpu/cuda_backend --ignored --test-threads=1 >"$OUT/gpu-tests.log" 2>&1
  echo "GPU tests: exit $?"; grep -E "^test |test result|panicked" "$OUT/gpu-tests.log" | head -20
fi

./target/release/skinny probe --backend cuda "${probe_args[@]}" --json "$OUT/probe.json" >"$OUT/probe.log" 2>&1
echo "probe: exit $?"
tail -n 150 "$OUT/probe.log"
