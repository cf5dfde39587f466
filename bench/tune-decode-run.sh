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
. bench/lib.sh  # smi, dispatch_check
smi
# The M = 1 variants that won or came within a few per cent on some shape (eighth and ninth
# sessions), each layout's, and the two the eleventh session's chain search picked.
NT_DEFAULT="cublas/gemm cublas/gemm+bias cublaslt/matmul gemv/baseline_t32 mma/m8_k8 mma/m8_u4 mma/m8_s4 dot/m1_grid dot/m1_r4w1_xw dot/m1_u5_xw dot/m1_xw dot/m1_u8_xw dot/m1_r4w8_u3_xw dot/m1_r8w2_xw"
NN_DEFAULT="gemv/nn_c256_m1 gemv/nn_cl8_c128_m1 gemv/nn_cl16_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl4_c128_m1 gemv/nn_cl16_c256_m1 gemv/nn_cl8_c256_u16_m1"

# gpu_test SECONDS BINARY LOG [TEST FILTER]: one GPU test binary (`--ignored`), its summary lines.
gpu_test() {
  local seconds=$1 binary=$2 log=$3
  shift 3
  timeout "$seconds" "./target/gpu/$binary" --ignored --test-threads=1 --nocapture "$@" >"$OUT/$log" 2>&1
  echo "GPU tests $binary $*: exit $?"; grep -E "checked|test result|panicked|FAIL" "$OUT/$log" | head -6
}

# probe_m1 SECONDS LAYOUTS NAME CAP_MS VARIANTS...: the M = 1 probe of qwen2.5-0.5b and
# llama-3-8b into $OUT/NAME.json (written only if it completes).
probe_m1() {
  local seconds=$1 layouts=$2 name=$3 cap=$4
  shift 4
  timeout "$seconds" $skinny probe --backend cuda --shapes qwen2.5-0.5b@m1 llama-3-8b@m1 --layout "$layouts" \
    --variants "$@" --time-cap-ms "$cap" --json "$OUT/$name.json" >"$OUT/$name.log" 2>&1
  echo "probe: exit $?"; grep -E "^summary" "$OUT/$name.log"
}

# tune METRIC TABLE LOG PROBE...: a table from probe files (names under $OUT).
tune() {
  local metric=$1 table=$2 log=$3
  shift 3
  $skinny tune --from "${@/#/$OUT/}" --metric "$metric" --out "$OUT/$table" >"$OUT/$log" 2>&1
  echo "tune ($metric): exit $?"
}

# probe_grid SECONDS NAME CAP_MS VARIANTS...: the decode-grid set (M = 1, nt) into $OUT/NAME.json,
# tuned beside the two models so that dispatch rules have near neighbours (thirteenth session).
probe_grid() {
  local seconds=$1 name=$2 cap=$3
  shift 3
  timeout "$seconds" $skinny probe --backend cuda --shapes decode-grid --layout nt --variants "$@" \
    --time-cap-ms "$cap" --json "$OUT/$name.json" >"$OUT/$name.log" 2>&1
  echo "grid probe: exit $?"; grep -E "^summary" "$OUT/$name.log"
}

# decode_both SECONDS TABLE NAME: decode of qwen2.5-0.5b and llama-3-8b with TABLE.
decode_both() {
  timeout "$1" $skinny decode --model qwen2.5-0.5b llama-3-8b --table "$2" \
    --json "$OUT/$3.json" >"$OUT/$3.log" 2>&1
  echo "decode: exit $?"; grep -vE ": (filling|planning|timing|checking|measuring)" "$OUT/$3.log" | tail -24
}

case "${PART:-probe}" in
graph-pdl)
  # Tenth session: the probe's graph_pdl_us figure. Its GPU test (every variant, two shapes),
  # the M = 1 nt probe, a table ranked by graph_pdl, the chain search for qwen from it.
  gpu_test 200 cuda_backend gpu-tests-short-probe.log a_short_probe
  # shellcheck disable=SC2086
  probe_m1 "${PROBE_S:-260}" nt tune-probe-nt "${CAP_MS:-50}" ${NT_VARIANTS:-$NT_DEFAULT dot/m1_w1}
  tune graph-pdl dispatch-graph-pdl.json tune-graph-pdl.log tune-probe-nt.json
  timeout 120 $skinny decode --model qwen2.5-0.5b --table "$OUT/dispatch-graph-pdl.json" --tune-chain \
    --chain-variants 'cublas*' 'gemv/*' 'dot/*' 'mma/*' --write-table "$OUT/dispatch-chain-from-pdl.json" \
    --json "$OUT/decode-chain-from-pdl.json" >"$OUT/decode-chain-from-pdl.log" 2>&1
  echo "decode --tune-chain: exit $?"
  grep -E "closing|skinny-graph|floor|read chain" "$OUT/decode-chain-from-pdl.log" | tail -8
  ;;
tables)
  # (Superseded by bench/retune-run.sh, which adds the M = 8 grid and the M > 1 rows of both
  # models, and stops when a probe leaves no file; kept as the record of the s10-s13 re-tunes.)
  # Tenth session, after registry additions (the digest changed, every table went stale): GPU
  # tests of NEW_VARIANTS on the edge set, the M = 1 probe of both layouts, the decode-grid probe
  # (thirteenth session), both tables from both probes. (The two probes take ~300 + ~100 s:
  # more than one device call holds; PROBE_S and GRID_S cut them, or run them in two calls.)
  SKINNY_TEST_VARIANTS="${NEW_VARIANTS:-}" gpu_test 120 cuda_backend gpu-tests-new-variants.log every_cuda_variant
  # shellcheck disable=SC2086
  probe_m1 "${PROBE_S:-330}" nt,nn tune-probe "${CAP_MS:-50}" \
    ${NT_VARIANTS:-$NT_DEFAULT} ${NEW_VARIANTS:-} ${NN_VARIANTS:-$NN_DEFAULT}
  # shellcheck disable=SC2086
  probe_grid "${GRID_S:-240}" grid-probe "${CAP_MS:-50}" ${NT_VARIANTS:-$NT_DEFAULT} ${NEW_VARIANTS:-}
  tune gpu-cold dispatch.json tune.log tune-probe.json grid-probe.json
  tune graph dispatch-graph.json tune-graph.log tune-probe.json grid-probe.json
  ;;
dispatch)
  # The dispatch check on four untuned models with TABLE (cold-ranked).
  dispatch_check dispatch-check "$TABLE" 1,8 110
  ;;
chain)
  # Tenth session: the chain search (skinny decode --tune-chain) from the ninth session's
  # graph-ranked table. Its GPU test first, then qwen (writing a table with its picks), then
  # llama from that table (adding its own): each call complete on its own.
  gpu_test 150 cuda_decode gpu-tests-chain-search.log the_chain_search
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
    gpu_test 150 "$t" "gpu-tests-$t.log"
  done
  # shellcheck disable=SC2086
  probe_m1 200 nt tune-probe "${CAP_MS:-50}" ${NT_VARIANTS:-$NT_DEFAULT dot/m1_w1}
  tune graph dispatch-graph.json tune-graph.log tune-probe.json
  decode_both 150 "$OUT/dispatch-graph.json" decode-graph-table
  ;;
probe)
  for t in cuda_backend cuda_dispatch cuda_decode; do
    gpu_test 150 "$t" "gpu-tests-$t.log"
  done
  SKINNY_TEST_VARIANTS='gemv/nn_cl*' timeout 60 compute-sanitizer --tool memcheck ./target/gpu/cuda_backend \
    --ignored --test-threads=1 every_cuda_variant --nocapture >"$OUT/sanitizer-memcheck.log" 2>&1
  echo "memcheck: exit $?"; grep -E "ERROR SUMMARY|checked" "$OUT/sanitizer-memcheck.log"
  SKINNY_TEST_VARIANTS="${RACE_VARIANTS:-gemv/nn_cl8_c128_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl8}" timeout 150 \
    compute-sanitizer --tool racecheck ./target/gpu/cuda_backend --ignored --test-threads=1 every_cuda_variant \
    --nocapture >"$OUT/sanitizer-racecheck.log" 2>&1
  echo "racecheck: exit $?"; grep -E "RACECHECK SUMMARY|checked" "$OUT/sanitizer-racecheck.log"
  # shellcheck disable=SC2086
  probe_m1 330 nt,nn tune-probe "${CAP_MS:-60}" \
    ${VARIANTS:-'cublas*' gemv/baseline gemv/baseline_t32 'dot/m1*' 'mma/m8*' gemv/nn_m1 gemv/nn_c256_m1 gemv/nn_deep_m1 'gemv/nn_cl*'}
  ;;
final)
  # Both parts in one call, for a session short of device time: the probe cut to the variants
  # that won or came within a few per cent on some shape in calls 1–3 (NT_VARIANTS,
  # NN_VARIANTS), the tables tuned on the device, decode with the graph-ranked one, and the
  # dispatch check with the cold-ranked one.
  # shellcheck disable=SC2086
  probe_m1 260 nt,nn tune-probe "${CAP_MS:-50}" ${NT_VARIANTS:-$NT_DEFAULT} ${NN_VARIANTS:-$NN_DEFAULT}
  tune gpu-cold dispatch.json tune.log tune-probe.json
  tune graph dispatch-graph.json tune-graph.log tune-probe.json
  decode_both 140 "$OUT/dispatch-graph.json" decode-graph-table
  dispatch_check dispatch-check "$OUT/dispatch.json" 1,8 110
  ;;
esac
