#!/usr/bin/env bash
# Sixteenth session, call 1: gemv_mma_ring in the build (ring/* registered) and its XRES form
# (xres/*: x whole in shared memory once a block, blocks walking the row tiles), timed where
# the fifteenth session lost (m = 16, llama gate_up at m = 8, qwen's short rows); then the GPU
# test of ring/* and xres/* plain, under memcheck and under racecheck.
# Build here: cargo build --release && bash bench/build-gpu-tests.sh
# Carry ["target/release/skinny", "target/gpu"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
san=/usr/local/cuda/bin/compute-sanitizer
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 250 $skinny probe --backend cuda --shape 8,28672,4096 --shape 16,28672,4096 \
  --shape 16,128256,4096 --shape 16,6144,4096 --shape 8,151936,896 --shape 16,151936,896 \
  --shape 8,9728,896 --shape 16,9728,896 \
  --variants 'ring/*' 'xres/*' mma/m8_k8 mma/m16_s4 cublas/gemm \
  --time-cap-ms 20 --json "$OUT/xres-probe.json" >"$OUT/xres-probe.log" 2>&1
echo "xres probe: exit $?"; grep -E "^summary" "$OUT/xres-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/xres-probe.json" 16 2>&1 | tee "$OUT/xres-summary.txt"
test_run() {
  local name=$1 seconds=$2
  shift 2
  SKINNY_TEST_VARIANTS='ring/* xres/*' timeout "$seconds" "$@" ./target/gpu/cuda_backend --ignored \
    --test-threads=1 --nocapture every_cuda_variant >"$OUT/$name.log" 2>&1
  echo "$name: exit $?"; grep -E "checked|test result|ERROR SUMMARY|RACECHECK SUMMARY|panicked" "$OUT/$name.log" | head -6
}
test_run gpu-test 60
test_run memcheck 100 $san --tool memcheck
test_run racecheck 150 $san --tool racecheck
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
