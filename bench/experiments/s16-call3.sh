#!/usr/bin/env bash
# Sixteenth session, call 3: the ring in the build changed the sources digest, so every table is
# re-tuned. Here: racecheck of the two ring shapes registered after call 1's sanitizer run, the
# GPU test of every ring/xres variant, and the M = 1 probe of qwen2.5-0.5b and llama-3-8b in both
# layouts with the twelfth session's list (the tables' M = 1 rows and the issue-4 M = 1 bars).
# Build here: cargo build --release && bash bench/build-gpu-tests.sh
# Carry ["target/release/skinny", "target/gpu"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
test_run() {
  local name=$1 seconds=$2 variants=$3
  shift 3
  SKINNY_TEST_VARIANTS="$variants" timeout "$seconds" "$@" ./target/gpu/cuda_backend --ignored \
    --test-threads=1 --nocapture every_cuda_variant >"$OUT/$name.log" 2>&1
  echo "$name: exit $?"; grep -E "checked|test result|ERROR SUMMARY|RACECHECK SUMMARY|panicked" "$OUT/$name.log" | head -6
}
test_run gpu-test 60 'ring/* xres/*'
test_run racecheck 90 'ring/m8_w2t2s2x4_rl ring/m16_w2t2s2x3_rl' /usr/local/cuda/bin/compute-sanitizer --tool racecheck
NT="cublas/gemm cublas/gemm+bias cublaslt/matmul dot/m1_grid dot/m1_r4w1_xw dot/m1_r4w8_u3_xw dot/m1_r8w2_xw dot/m1_u5_xw dot/m1_u8_xw dot/m1_xw gemv/baseline_t32 mma/m8_k8 mma/m8_s4 mma/m8_u4"
NN="gemv/nn_c256_m1 gemv/nn_cl16_c256_m1 gemv/nn_cl16_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl4_c128_m1 gemv/nn_cl8_c128_m1 gemv/nn_cl8_c256_u16_m1"
# shellcheck disable=SC2086
timeout 400 $skinny probe --backend cuda --shapes qwen2.5-0.5b@m1 llama-3-8b@m1 --layout nt,nn \
  --variants $NT $NN --time-cap-ms 40 --json "$OUT/tune-probe.json" >"$OUT/tune-probe.log" 2>&1
echo "M = 1 probe: exit $?"; grep -E "^summary" "$OUT/tune-probe.log"
python3 bench/tools/best_per_shape.py "$OUT/tune-probe.json" 4 2>&1 | tee "$OUT/tune-summary.txt"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
