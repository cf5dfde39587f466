#!/usr/bin/env bash
# Sixteenth session, call 9: X_WITH_W for 2 and 4 rows landed (dot/m2_r2u2_xw, dot/m2_u3_xw,
# dot/m4_r2u2_xw), so the digest changed again (b6fd3c8b) and the tables are re-tuned a second
# time. Here: the GPU test of every dot/* variant (the M = 1 ones run the edited kernel too),
# memcheck and racecheck on the three new ones, the M = 1 probe of both models in both layouts
# (call 3's list) and the decode grid at M = 1 and 8 (call 4's lists).
# Build here: cargo build --release && bash bench/build-gpu-tests.sh
# Carry ["target/release/skinny", "target/gpu"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
san=/usr/local/cuda/bin/compute-sanitizer
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
test_run() {
  local name=$1 seconds=$2 variants=$3
  shift 3
  SKINNY_TEST_VARIANTS="$variants" timeout "$seconds" "$@" ./target/gpu/cuda_backend --ignored \
    --test-threads=1 --nocapture every_cuda_variant >"$OUT/$name.log" 2>&1
  echo "$name: exit $?"; grep -E "checked|test result|ERROR SUMMARY|RACECHECK SUMMARY|panicked" "$OUT/$name.log" | head -6
}
test_run gpu-test 60 'dot/*'
test_run memcheck 60 'dot/m2* dot/m4*' $san --tool memcheck
test_run racecheck 60 'dot/m2* dot/m4*' $san --tool racecheck
NT="cublas/gemm cublas/gemm+bias cublaslt/matmul dot/m1_grid dot/m1_r4w1_xw dot/m1_r4w8_u3_xw dot/m1_r8w2_xw dot/m1_u5_xw dot/m1_u8_xw dot/m1_xw gemv/baseline_t32 mma/m8_k8 mma/m8_s4 mma/m8_u4"
NN="gemv/nn_c256_m1 gemv/nn_cl16_c256_m1 gemv/nn_cl16_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl4_c128_m1 gemv/nn_cl8_c128_m1 gemv/nn_cl8_c256_u16_m1"
# shellcheck disable=SC2086
timeout 300 $skinny probe --backend cuda --shapes qwen2.5-0.5b@m1 llama-3-8b@m1 --layout nt,nn \
  --variants $NT $NN --time-cap-ms 40 --json "$OUT/tune-probe.json" >"$OUT/tune-probe.log" 2>&1
echo "M = 1 probe: exit $?"; grep -E "^summary" "$OUT/tune-probe.log"
G1="cublas/gemm cublaslt/matmul dot/m1_grid dot/m1_r4w1_xw dot/m1_r4w8_u3_xw dot/m1_r8w2_xw dot/m1_u5_xw dot/m1_u8_xw dot/m1_xw gemv/baseline_t32 mma/m8_k8 mma/m8_s4 mma/m8_u4"
# shellcheck disable=SC2086
timeout 150 $skinny probe --backend cuda --shapes decode-grid --layout nt --variants $G1 --time-cap-ms 40 \
  --json "$OUT/grid-probe.json" >"$OUT/grid-probe.log" 2>&1
echo "grid probe: exit $?"; grep -E "^summary" "$OUT/grid-probe.log"
G8="cublas/gemm cublaslt/matmul mma/m8_k8 mma/m8_s4 mma/m8_s4p mma/m8_u4 mma/m16_s4 ring/m8_w4t2s2x6_rl ring/m8_w4t2s4x4_rl ring/m8_w4t2s2x3_rl ring/m8_w2t2s2x4_rl"
# shellcheck disable=SC2086
timeout 100 $skinny probe --backend cuda --shapes decode-grid@m8 --layout nt --variants $G8 --time-cap-ms 20 \
  --json "$OUT/grid-m8-probe.json" >"$OUT/grid-m8-probe.log" 2>&1
echo "grid M = 8 probe: exit $?"; grep -E "^summary" "$OUT/grid-m8-probe.log"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
