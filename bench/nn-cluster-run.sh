#!/usr/bin/env bash
# GPU call for the eighth session: the nn cluster kernels. Build first, here:
#   cargo build --release && bash bench/build-gpu-tests.sh
# then run with carry ["target/release/skinny", "target/gpu"]:
#   bash bench/nn-cluster-run.sh
# GPU tests of the nn kernels (TEST_VARIANTS), compute-sanitizer memcheck and racecheck on the
# new ones (SANITIZE_VARIANTS), then one probe of the M = 1 shapes of qwen2.5-0.5b and
# llama-3-8b in the nn layout (NN_VARIANTS) and one in nt (NT_VARIANTS: the seventh session's
# best), so that the nn bar compares figures of the same run. Everything lands in $OUT.
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
cap=${CAP_MS:-60}
shapes="qwen2.5-0.5b@m1 llama-3-8b@m1"

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
test_variants=${TEST_VARIANTS:-gemv/nn*}
SKINNY_TEST_VARIANTS="$test_variants" timeout 150 ./target/gpu/cuda_backend --ignored --test-threads=1 \
  every_cuda_variant --nocapture >"$OUT/gpu-tests-nn.log" 2>&1
echo "GPU tests ($test_variants): exit $?"; grep -E "checked|test result|panicked|FAIL" "$OUT/gpu-tests-nn.log" | head -12
for tool in ${SANITIZERS:-memcheck racecheck}; do
  SKINNY_TEST_VARIANTS="${SANITIZE_VARIANTS:-gemv/nn_cl*}" timeout 200 compute-sanitizer --tool "$tool" \
    ./target/gpu/cuda_backend --ignored --test-threads=1 every_cuda_variant --nocapture >"$OUT/sanitizer-$tool.log" 2>&1
  echo "compute-sanitizer $tool: exit $?"; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|checked|test result" "$OUT/sanitizer-$tool.log" | head -4
done
# shellcheck disable=SC2086
timeout 200 $skinny probe --backend cuda --shapes $shapes --layout nn \
  --variants ${NN_VARIANTS:-cublas/gemm 'gemv/nn*'} --time-cap-ms "$cap" --json "$OUT/probe-nn.json" >"$OUT/probe-nn.log" 2>&1
echo "probe nn: exit $?"; grep -E "^(summary|read)|best" "$OUT/probe-nn.log" | head -20
if [ -z "${SKIP_NT:-}" ]; then
  # shellcheck disable=SC2086
  timeout 200 $skinny probe --backend cuda --shapes $shapes \
    --variants ${NT_VARIANTS:-cublas/gemm gemv/baseline gemv/baseline_t32 'dot/m1*' 'mma/m8*'} \
    --time-cap-ms "$cap" --json "$OUT/probe-nt.json" >"$OUT/probe-nt.log" 2>&1
  echo "probe nt: exit $?"; grep -E "^summary" "$OUT/probe-nt.log"
fi
