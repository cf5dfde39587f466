#!/usr/bin/env bash
# GPU call for this session's experiments (bulk-copy GEMV, prefetches, the persistent chain).
# Build first, here:
#   cargo build --release && bash bench/build-gpu-tests.sh
# then run with carry ["target/release/skinny", "target/gpu"]:
#   bash bench/bulk-prefetch-run.sh
# GPU tests of every kernel (incl. gemv_bulk), a tune over the M = 1 shapes of qwen2.5-0.5b and
# llama-3-8b (its probe file is the M = 1 comparison), then `skinny decode` on both models with
# the fresh table (DECODE_FLAGS=--persistent adds that mode), and with CHECK_MODELS=1 dispatch on
# four untuned models' configs. Each stage under a timeout so that the call fits 600 s. Everything
# lands in $OUT (and $OUT/all.tgz).
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
cap=${CAP_MS:-100}
shapes=${SHAPES:-qwen2.5-0.5b@m1 llama-3-8b@m1}

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
if [ -z "${SKIP_TESTS:-}" ]; then
  for t in cuda_backend cuda_dispatch cuda_decode; do
    timeout "${TESTS_S:-150}" ./target/gpu/$t --ignored --test-threads=1 >"$OUT/gpu-tests-$t.log" 2>&1
    echo "GPU tests $t: exit $?"; grep -E "test result|panicked|FAIL|incorrect" "$OUT/gpu-tests-$t.log" | head -12
  done
fi
# shellcheck disable=SC2086
timeout "${TUNE_S:-240}" $skinny tune --backend cuda --shapes $shapes \
  --variants ${VARIANTS:-'cublas*' gemv/baseline 'dot/*' 'mma/m8*'} \
  --time-cap-ms "$cap" --json "$OUT/tune-probe.json" --out "$OUT/dispatch.json" >"$OUT/tune.log" 2>&1
echo "tune: exit $?"; grep -A30 "^dispatch table" "$OUT/tune.log" | head -32
# shellcheck disable=SC2086
timeout "${DECODE_S:-180}" $skinny decode --model qwen2.5-0.5b llama-3-8b --table "$OUT/dispatch.json" ${DECODE_FLAGS:-} \
  --json "$OUT/decode.json" >"$OUT/decode.log" 2>&1
echo "decode: exit $?"; grep -vE ": (filling|planning|timing|checking|measuring)" "$OUT/decode.log" | tail -50
# Dispatch on four models never tuned, with the fresh table (CHECK_MODELS=1).
if [ -n "${CHECK_MODELS:-}" ]; then
  configs=()
  for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
    configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
  done
  timeout "${CHECK_S:-150}" $skinny dispatch --table "$OUT/dispatch.json" "${configs[@]}" --dtype bf16 --measure \
    --time-cap-ms 100 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
  echo "dispatch check: exit $?"; grep -iE "within|warning" "$OUT/dispatch-check.log" | tail -4
fi
# Nsight Compute on the bulk kernels (NCU_VARIANTS, on NCU_SHAPE): stall reasons and memory.
for v in ${NCU_VARIANTS:-}; do
  tag=$(echo "$v" | tr '/' '_')
  timeout 90 ncu --clock-control none --cache-control all --launch-skip 5 --launch-count 2 \
    --kernel-name regex:'^gemv' --section SpeedOfLight --section WarpStateStats \
    --section MemoryWorkloadAnalysis --csv \
    $skinny probe --backend cuda --shape "${NCU_SHAPE:-1,4096,4096}" --variants "$v" --time-cap-ms 2 \
    >"$OUT/ncu-$tag.csv" 2>"$OUT/ncu-$tag.err"
  echo "ncu $v: exit $?"
  grep -E "Duration|DRAM Throughput|Stall|Warp Cycles Per Issued|Mem Busy|Max Bandwidth" "$OUT/ncu-$tag.csv" \
    | awk -F'","' '{print $(NF-2), $(NF-1), $NF}' | head -30
done
(cd "$OUT" && tar czf /tmp/all.tgz --exclude all.tgz . && mv /tmp/all.tgz all.tgz)
