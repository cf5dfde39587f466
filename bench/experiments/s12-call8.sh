#!/usr/bin/env bash
# Twelfth session, call 8: the EARLY_TRIGGER variants are in the embedded registry (digest
# bfe77eb7, every table stale). Their GPU test on the edge set, the PDL pair tests, the M = 1
# probe of both layouts (the s11 variant lists: the _et twins are not probed) and both tables.
# Carry ["target/release/skinny", "target/gpu"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
new="dot/m1_r4w1_xw_et dot/m1_r4w8_u3_xw_et dot/m1_xw_et dot/m1_u5_xw_et"
NT="cublas/gemm cublas/gemm+bias cublaslt/matmul gemv/baseline_t32 mma/m8_k8 mma/m8_u4 mma/m8_s4 dot/m1_grid dot/m1_r4w1_xw dot/m1_u5_xw dot/m1_xw dot/m1_u8_xw dot/m1_r4w8_u3_xw dot/m1_r8w2_xw"
NN="gemv/nn_c256_m1 gemv/nn_cl8_c128_m1 gemv/nn_cl16_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl4_c128_m1 gemv/nn_cl16_c256_m1 gemv/nn_cl8_c256_u16_m1"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv >"$OUT/nvidia-smi.csv" 2>&1
SKINNY_TEST_VARIANTS="$new" timeout 100 ./target/gpu/cuda_backend --ignored --test-threads=1 --nocapture every_cuda_variant \
  >"$OUT/gpu-tests-new-variants.log" 2>&1
echo "GPU tests new variants: exit $?"; grep -E "checked|test result|panicked" "$OUT/gpu-tests-new-variants.log" | head -4
timeout 100 ./target/gpu/cuda_dispatch --ignored --test-threads=1 >"$OUT/gpu-tests-dispatch.log" 2>&1
echo "GPU tests cuda_dispatch: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-dispatch.log" | head -3
timeout 400 ./target/release/skinny probe --backend cuda --shapes qwen2.5-0.5b@m1 llama-3-8b@m1 --layout nt,nn \
  --variants $NT $NN --time-cap-ms 40 --json "$OUT/tune-probe.json" >"$OUT/tune-probe.log" 2>&1
echo "probe: exit $?"; grep -E "^summary" "$OUT/tune-probe.log"
./target/release/skinny tune --from "$OUT/tune-probe.json" --metric gpu-cold --out "$OUT/dispatch.json" >"$OUT/tune.log" 2>&1
echo "tune cold: exit $?"
./target/release/skinny tune --from "$OUT/tune-probe.json" --metric graph --out "$OUT/dispatch-graph.json" >"$OUT/tune-graph.log" 2>&1
echo "tune graph: exit $?"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
