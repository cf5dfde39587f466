#!/usr/bin/env bash
# The eighth session's closing GPU calls, in two parts that each fit the device tool's 600 s
# (and the ninth session's PART=early-w and the tenth's PART=graph-pdl, tables, chain and
# dispatch, below).
# Build first, here:
#   cargo build --release && bash bench/build-gpu-tests.sh
# then run with carry ["target/release/skinny", "target/gpu"]:
#   PART=probe bash bench/tune-decode-run.sh
#     GPU tests (every kernel, dispatch, decode), memcheck on the cluster kernels and racecheck
#     on three of them, then one probe of the M = 1 shapes of qwen2.5-0.5b and llama-3-8b in
#     both layouts ($OUT/tune-probe.json): the nn bar's figures and the tables' source.
#     (In call 4 this probe, 34 variants on 20 problems, ran past its timeout and wrote nothing.)
#   PART=final bash bench/tune-decode-run.sh
#     The probe cut to the variants that won, the tables tuned on the device, decode with the
#     graph-ranked table, dispatch on four untuned models with the cold-ranked one. The device
#     tool returns a limited number of files, so pack $OUT if more are wanted back.
set -uo pipefail
set -f  # variant globs are for skinny, not the shell
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
case "${PART:-probe}" in
graph-pdl)
  # Tenth session: the probe's graph_pdl_us figure. Its GPU test (every variant, two shapes),
  # the M = 1 nt probe, a table ranked by graph_pdl, the chain search for qwen from it.
  timeout 200 ./target/gpu/cuda_backend --ignored --test-threads=1 --nocapture \
    a_short_probe >"$OUT/gpu-tests-short-probe.log" 2>&1
  echo "GPU test short probe: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-short-probe.log" | head -4
  # shellcheck disable=SC2086
  timeout "${PROBE_S:-260}" $skinny probe --backend cuda --shapes qwen2.5-0.5b@m1 llama-3-8b@m1 --layout nt \
    --variants ${NT_VARIANTS:-cublas/gemm cublas/gemm+bias cublaslt/matmul gemv/baseline_t32 mma/m8_k8 mma/m8_u4 mma/m8_s4 dot/m1_grid dot/m1_r4w1_xw dot/m1_u5_xw dot/m1_xw dot/m1_u8_xw dot/m1_w1} \
    --time-cap-ms "${CAP_MS:-50}" --json "$OUT/tune-probe-nt.json" >"$OUT/tune-probe-nt.log" 2>&1
  echo "probe: exit $?"; grep -E "^summary" "$OUT/tune-probe-nt.log"
  $skinny tune --from "$OUT/tune-probe-nt.json" --metric graph-pdl --out "$OUT/dispatch-graph-pdl.json" >"$OUT/tune-graph-pdl.log" 2>&1
  echo "tune (graph_pdl): exit $?"
  timeout 120 $skinny decode --model qwen2.5-0.5b --table "$OUT/dispatch-graph-pdl.json" --tune-chain \
    --chain-variants 'cublas*' 'gemv/*' 'dot/*' 'mma/*' --write-table "$OUT/dispatch-chain-from-pdl.json" \
    --json "$OUT/decode-chain-from-pdl.json" >"$OUT/decode-chain-from-pdl.log" 2>&1
  echo "decode --tune-chain: exit $?"
  grep -E "closing|skinny-graph|floor|read chain" "$OUT/decode-chain-from-pdl.log" | tail -8
  ;;
tables)
  # Tenth session, after registry additions (the digest changed, every table went stale): GPU
  # tests of NEW_VARIANTS on the edge set, the M = 1 probe of both layouts, both tables.
  SKINNY_TEST_VARIANTS="${NEW_VARIANTS:-}" timeout 120 ./target/gpu/cuda_backend --ignored --test-threads=1 \
    every_cuda_variant --nocapture >"$OUT/gpu-tests-new-variants.log" 2>&1
  echo "GPU tests of the new variants: exit $?"; grep -E "checked|test result|panicked" "$OUT/gpu-tests-new-variants.log" | head -4
  # shellcheck disable=SC2086
  timeout "${PROBE_S:-330}" $skinny probe --backend cuda --shapes qwen2.5-0.5b@m1 llama-3-8b@m1 --layout nt,nn \
    --variants ${NT_VARIANTS:-cublas/gemm cublas/gemm+bias cublaslt/matmul gemv/baseline_t32 mma/m8_k8 mma/m8_u4 mma/m8_s4 dot/m1_grid dot/m1_r4w1_xw dot/m1_u5_xw dot/m1_xw dot/m1_u8_xw} \
    ${NEW_VARIANTS:-} \
    ${NN_VARIANTS:-gemv/nn_c256_m1 gemv/nn_cl8_c128_m1 gemv/nn_cl16_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl4_c128_m1 gemv/nn_cl16_c256_m1 gemv/nn_cl8_c256_u16_m1} \
    --time-cap-ms "${CAP_MS:-50}" --json "$OUT/tune-probe.json" >"$OUT/tune-probe.log" 2>&1
  echo "probe: exit $?"; grep -E "^summary" "$OUT/tune-probe.log"
  $skinny tune --from "$OUT/tune-probe.json" --out "$OUT/dispatch.json" >"$OUT/tune.log" 2>&1
  echo "tune (cold): exit $?"
  $skinny tune --from "$OUT/tune-probe.json" --metric graph --out "$OUT/dispatch-graph.json" >"$OUT/tune-graph.log" 2>&1
  echo "tune (graph): exit $?"
  ;;
dispatch)
  # The dispatch check on four untuned models with TABLE (cold-ranked).
  configs=()
  for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
    configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
  done
  timeout 110 $skinny dispatch --table "$TABLE" "${configs[@]}" --dtype bf16 --measure \
    --time-cap-ms 60 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
  echo "dispatch check: exit $?"; grep -iE "within|warning" "$OUT/dispatch-check.log" | tail -4
  ;;
chain)
  # Tenth session: the chain search (skinny decode --tune-chain) from the ninth session's
  # graph-ranked table. Its GPU test first, then qwen (writing a table with its picks), then
  # llama from that table (adding its own): each call complete on its own.
  timeout 150 ./target/gpu/cuda_decode --ignored --test-threads=1 --nocapture \
    the_chain_search >"$OUT/gpu-tests-chain-search.log" 2>&1
  echo "GPU test chain search: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-chain-search.log" | head -4
  table=${TABLE:-bench/results/h200-2026-11-21-s9-dispatch-graph.json}
  for model in ${MODELS:-qwen2.5-0.5b llama-3-8b}; do
    # shellcheck disable=SC2086
    timeout "${DECODE_S:-200}" $skinny decode --model "$model" --table "$table" --tune-chain \
      --chain-variants ${CHAIN_VARIANTS:-'cublas*' 'gemv/*' 'dot/*' 'mma/*'} \
      --write-table "$OUT/dispatch-chain-$model.json" --json "$OUT/decode-chain-$model.json" \
      >"$OUT/decode-chain-$model.log" 2>&1
    echo "decode --tune-chain $model: exit $?"
    grep -vE ": (filling|planning|timing|checking|measuring|[0-9]+ chains timed)" "$OUT/decode-chain-$model.log" | tail -40
    [ -f "$OUT/dispatch-chain-$model.json" ] && table="$OUT/dispatch-chain-$model.json"
  done
  ;;
early-w)
  # Ninth session: the PDL builds request their first W before the wait. GPU tests of the PDL
  # chains (dispatch pairs, every decode mode), then the nt probe of the M = 1 winners, a
  # graph-ranked table and decode with it: the PDL modes against the plain graph.
  for t in cuda_dispatch cuda_decode; do
    timeout 150 ./target/gpu/$t --ignored --test-threads=1 --nocapture >"$OUT/gpu-tests-$t.log" 2>&1
    echo "GPU tests $t: exit $?"; grep -E "checked|test result|panicked|FAIL" "$OUT/gpu-tests-$t.log" | head -6
  done
  # shellcheck disable=SC2086
  timeout 200 $skinny probe --backend cuda --shapes qwen2.5-0.5b@m1 llama-3-8b@m1 --layout nt \
    --variants ${NT_VARIANTS:-cublas/gemm cublas/gemm+bias cublaslt/matmul gemv/baseline_t32 mma/m8_k8 mma/m8_u4 mma/m8_s4 dot/m1_grid dot/m1_r4w1_xw dot/m1_u5_xw dot/m1_xw dot/m1_u8_xw dot/m1_w1} \
    --time-cap-ms "${CAP_MS:-50}" --json "$OUT/tune-probe.json" >"$OUT/tune-probe.log" 2>&1
  echo "probe: exit $?"; grep -E "^summary" "$OUT/tune-probe.log"
  $skinny tune --from "$OUT/tune-probe.json" --metric graph --out "$OUT/dispatch-graph.json" >"$OUT/tune-graph.log" 2>&1
  echo "tune (graph): exit $?"
  timeout 150 $skinny decode --model qwen2.5-0.5b llama-3-8b --table "$OUT/dispatch-graph.json" \
    --json "$OUT/decode-graph-table.json" >"$OUT/decode-graph-table.log" 2>&1
  echo "decode: exit $?"; grep -vE ": (filling|planning|timing|checking|measuring)" "$OUT/decode-graph-table.log" | tail -24
  ;;
probe)
  for t in cuda_backend cuda_dispatch cuda_decode; do
    timeout 150 ./target/gpu/$t --ignored --test-threads=1 --nocapture >"$OUT/gpu-tests-$t.log" 2>&1
    echo "GPU tests $t: exit $?"; grep -E "checked|test result|panicked|FAIL" "$OUT/gpu-tests-$t.log" | head -6
  done
  SKINNY_TEST_VARIANTS='gemv/nn_cl*' timeout 60 compute-sanitizer --tool memcheck ./target/gpu/cuda_backend \
    --ignored --test-threads=1 every_cuda_variant --nocapture >"$OUT/sanitizer-memcheck.log" 2>&1
  echo "memcheck: exit $?"; grep -E "ERROR SUMMARY|checked" "$OUT/sanitizer-memcheck.log"
  SKINNY_TEST_VARIANTS="${RACE_VARIANTS:-gemv/nn_cl8_c128_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl8}" timeout 150 \
    compute-sanitizer --tool racecheck ./target/gpu/cuda_backend --ignored --test-threads=1 every_cuda_variant \
    --nocapture >"$OUT/sanitizer-racecheck.log" 2>&1
  echo "racecheck: exit $?"; grep -E "RACECHECK SUMMARY|checked" "$OUT/sanitizer-racecheck.log"
  # shellcheck disable=SC2086
  timeout 330 $skinny probe --backend cuda --shapes qwen2.5-0.5b@m1 llama-3-8b@m1 --layout nt,nn \
    --variants ${VARIANTS:-'cublas*' gemv/baseline gemv/baseline_t32 'dot/m1*' 'mma/m8*' gemv/nn_m1 gemv/nn_c256_m1 gemv/nn_deep_m1 'gemv/nn_cl*'} \
    --time-cap-ms "${CAP_MS:-60}" --json "$OUT/tune-probe.json" >"$OUT/tune-probe.log" 2>&1
  echo "probe: exit $?"; grep -E "^summary" "$OUT/tune-probe.log"
  ;;
final)
  # Both parts in one call, for a session short of device time: the probe cut to the variants
  # that won or came within a few per cent on some shape in calls 1–3 (NT_VARIANTS,
  # NN_VARIANTS), the tables tuned on the device, decode with the graph-ranked one, and the
  # dispatch check with the cold-ranked one.
  # shellcheck disable=SC2086
  timeout 260 $skinny probe --backend cuda --shapes qwen2.5-0.5b@m1 llama-3-8b@m1 --layout nt,nn \
    --variants ${NT_VARIANTS:-cublas/gemm cublas/gemm+bias cublaslt/matmul gemv/baseline_t32 mma/m8_k8 mma/m8_u4 mma/m8_s4 dot/m1_grid dot/m1_r4w1_xw dot/m1_u5_xw dot/m1_xw dot/m1_u8_xw} \
    ${NN_VARIANTS:-gemv/nn_c256_m1 gemv/nn_cl8_c128_m1 gemv/nn_cl16_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl4_c128_m1 gemv/nn_cl16_c256_m1 gemv/nn_cl8_c256_u16_m1} \
    --time-cap-ms "${CAP_MS:-50}" --json "$OUT/tune-probe.json" >"$OUT/tune-probe.log" 2>&1
  echo "probe: exit $?"; grep -E "^summary" "$OUT/tune-probe.log"
  $skinny tune --from "$OUT/tune-probe.json" --out "$OUT/dispatch.json" >"$OUT/tune.log" 2>&1
  echo "tune (cold): exit $?"
  $skinny tune --from "$OUT/tune-probe.json" --metric graph --out "$OUT/dispatch-graph.json" >"$OUT/tune-graph.log" 2>&1
  echo "tune (graph): exit $?"
  timeout 140 $skinny decode --model qwen2.5-0.5b llama-3-8b --table "$OUT/dispatch-graph.json" \
    --json "$OUT/decode-graph-table.json" >"$OUT/decode-graph-table.log" 2>&1
  echo "decode: exit $?"; grep -vE ": (filling|planning|timing|checking|measuring)" "$OUT/decode-graph-table.log" | tail -24
  configs=()
  for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
    configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,8")
  done
  timeout 110 $skinny dispatch --table "$OUT/dispatch.json" "${configs[@]}" --dtype bf16 --measure \
    --time-cap-ms 60 --json "$OUT/dispatch-check.json" >"$OUT/dispatch-check.log" 2>&1
  echo "dispatch check: exit $?"; grep -iE "within|warning" "$OUT/dispatch-check.log" | tail -4
  ;;
esac
