#!/usr/bin/env bash
# Re-tune every table after a change to the kernel sources or the registry (the sources digest
# moved, so the committed tables are refused). PART names one or more parts, run in order in one
# call, each into its own folder under $OUT (wall times measured on the H200, seventeenth
# session, after the reference became column-parallel):
#   m1         the GPU test of NEW_VARIANTS, memcheck and racecheck on them, and the M = 1 probe
#              of both models in both layouts (~126 s)
#   grid       the decode grid at M = 1 and 8, and at M = 2, 4, 16 with the M > 1 kernels
#              (~216 s; 86 s for M = 1 and 8; 457 s with s29-prefetch.patch's seven more
#              variants, of which 279 s for M = 2, 4, 16)
#   grid:m1, grid:m8, grid:mx   one of grid's three probes each (GRIDX_SECONDS: grid:mx's timeout)
#   mbar:MODEL llama-3-8b or qwen2.5-0.5b at M = 1, 2, 4, 8, 16 (MS overrides: the file is then
#              mbar-MODEL-m<MS, dashes for commas>, and final takes every such part) with every M > 1
#              kernel that won somewhere: the issue-4 M bar and the tables' M > 1 rows (llama
#              ~200 s, qwen ~118 s; MBAR_EXTRA adds variants)
#   nnmx       nn at M = 2 and 4 on both models, every gemv/nn build beside cuBLAS (thirty-second
#              session: M ≥ 2 nn builds; before it the tables held nn at M = 1 only)
#   final      the tables from the seven probes (cold and graph; an mbar probe's MS parts count as
#              one), the chain search seeded with the committed chain table's picks, decode of
#              both models, the dispatch check of four untuned models at M = 1, 2, 4, 8, 16
#              (244 s in s32)
# The device runs a call for at most 600 s, and the parts' own timeouts add up past that: list
# parts by the wall times above. A whole re-tune took two calls until the twenty-third session:
# PART="m1 grid", then PART="mbar:llama-3-8b mbar:qwen2.5-0.5b final" (575 s in s23). With the
# s24 registry it takes three: bench/retune-a.sh (the GPU tests, m1 and grid: 555 s), PART="mbar:
# llama-3-8b mbar:qwen2.5-0.5b" (524 s), PART=final (176 s). With the s31 registry (103
# variants) it takes six: retune-a.sh PART=m1 (391 s), PART="grid:m1 grid:m8" (221 s),
# PART=grid:mx GRIDX_SECONDS=570 (333 s), mbar:llama-3-8b with MS=1,2,4 (358 s) and MS=8,16
# (161 s), PART="mbar:qwen2.5-0.5b final" (586 s: too near the 600 s to count on; split it when
# the registry grows). s32 (104 variants): m1 340 s, "grid:m1 grid:m8 mbar:llama-3-8b" with
# MS=8,16 384 s, grid:mx 341 s, mbar:llama-3-8b MS=1,2,4 358 s, mbar:qwen2.5-0.5b 309 s, final
# 244 s; nnmx (new since) 79 s (s32 call 11, with s32-adopt.patch). `final` takes each
# probe from this call's folders when an earlier part made it, else from bench/results under
# RUN's prefix (copy a call's probe files there as $RUN-tune-probe.json.gz, -grid-probe,
# -grid-m8-probe, -grid-mx-probe, -nn-mx-probe, -mbar-MODEL). A part's variables (NEW_VARIANTS for m1,
# CHAIN_TABLE for final) are checked before any part runs.
# Build here: cargo build --release && bash bench/build-gpu-tests.sh; carry
# ["target/release/skinny", "target/gpu"], or, where those with the tracked files would pass the
# device tool's 64 MiB, the same gzipped: bash bench/carry-gz.sh target/release/skinny
# target/gpu/cuda_backend; carry ["target/carry"].
#   RUN=bench/results/h200-DATE-sNN-retune  (prefix of the committed probe files; required)
#   CHAIN_TABLE=bench/results/...-dispatch-chain.json  (the picks to seed; final)
set -uo pipefail
run=${RUN:?RUN must name the result prefix, e.g. bench/results/h200-2026-11-22-s17-retune}
. bench/lib.sh
call_begin

# Whatever ends the script (the last part, a stop, a TERM), what is under $OUT is packed.
trap pack EXIT
trap 'exit 143' TERM

# probe SECONDS NAME ARGS...: one probe into $dir/NAME.json (dir: the part's folder); stops the
# script if it left no file (the sixteenth session's call 10 went on without one and every later
# step failed).
probe() {
  local seconds=$1 name=$2
  shift 2
  probe_into "$dir" "$name" "$seconds" "$@" || {
    echo "$name left no file: stopping"
    exit 1
  }
}
test_run() { # NAME SECONDS [SANITIZER ARGS...]: the test of NEW_VARIANTS into the part's folder
  OUT=$dir variant_test "${NEW_VARIANTS:?NEW_VARIANTS: the globs of the new variants}" "$@"
}

M1_NT="cublas/gemm cublas/gemm+bias cublaslt/matmul dot/m1_grid dot/m1_r4w1_xw dot/m1_r4w8_u3_xw dot/m1_r8w2_xw dot/m1_u5_xw dot/m1_u8_xw dot/m1_xw gemv/baseline_t32 mma/m8_k8 mma/m8_s4 mma/m8_u4 mma/m8_k8_pf mma/m8_s4_pf mma/m8_u4_pf mma/m16_k16_pf mma/c*"
M1_NN="gemv/nn_c256_m1 gemv/nn_cl16_c256_m1 gemv/nn_cl16_m1 gemv/nn_cl16_u10_m1 gemv/nn_cl4_c128_m1 gemv/nn_cl8_c128_m1 gemv/nn_cl8_c256_u16_m1 gemv/nn_cl8_c128_u12_m1_xs gemv/nn_cl16_u10_m1_xs gemv/nn_cl8_c128_u6_m1_xs gemv/nn_cl14_c128_u4_m1_xs gemv/nn_cl5_c128_u12_m1_xs gemv/nn_cl7_u4_m1_xs"
GRID8="cublas/gemm cublaslt/matmul mma/m8_k8 mma/m8_s4 mma/m8_s4p mma/m8_u4 mma/m16_s4 mma/m16_k16 mma/m16_t2s4p mma/*_pf mma/*_l* mma/c2_* ring/m8_* wg/*"
GRIDX="cublas/gemm cublaslt/matmul dot/m2_* dot/m4_* mma/m8_k8 mma/m8_s4p mma/m8_u4 mma/m16_s4 mma/m16_k8 mma/m16_k16 mma/m16_t2s4p mma/*_pf mma/*_l* mma/c* ring/* xres/* wg/*"
MBAR="cublas/gemm cublas/gemm+bias cublaslt/matmul dot/m2_* dot/m4_* dot/m1_xw dot/m1_u5_xw dot/m1_r8w2_xw dot/m1_r4w1_xw gemv/baseline_t32 mma/m8_k8 mma/m8_s4p mma/m8_u4 mma/m16_s4 mma/m16_k8 mma/m16_k16 mma/m16_t2s4p mma/*_pf mma/*_l* mma/c* ring/* xres/* wg/* ${MBAR_EXTRA:-}"

# The probe file NAME for `final`: this call's, if an earlier part (FOLDER) made it, else the
# committed one under RUN's prefix.
probe_file() { # FOLDER NAME
  if [ -f "$OUT/$1/$2.json" ]; then echo "$OUT/$1/$2.json"; else echo "$run-$2.json.gz"; fi
}

# Every variable a listed part needs, before any part runs.
for part in ${PART:?PART: one or more of m1, grid, grid:m1|m8|mx, nnmx, mbar:MODEL, final}; do
  case "$part" in
  m1) : "${NEW_VARIANTS:?PART m1 needs NEW_VARIANTS: the globs of the new variants}" ;;
  final) : "${CHAIN_TABLE:?PART final needs CHAIN_TABLE: the chain table to seed from}" ;;
  grid | grid:m1 | grid:m8 | grid:mx | nnmx | mbar:llama-3-8b | mbar:qwen2.5-0.5b) ;;
  # (final tunes from these two models' mbar probes only: another model's would be spent time.)
  *) echo "unknown part '$part': PART takes m1, grid, grid:m1, grid:m8, grid:mx, nnmx, mbar:llama-3-8b, mbar:qwen2.5-0.5b and final"; exit 2 ;;
  esac
done

for part in ${PART:?PART: one or more of m1, grid, grid:m1|m8|mx, nnmx, mbar:MODEL, final}; do
  dir="$OUT/${part/:/-}"
  # grid's three probes go where `final` looks for them, whichever part ran them.
  case "$part" in grid:*) dir="$OUT/grid" ;; esac
  mkdir -p "$dir"
  SECONDS=0
  case "$part" in
  m1)
    test_run gpu-test 90
    test_run memcheck 120 "$SANITIZER" --tool memcheck
    test_run racecheck 150 "$SANITIZER" --tool racecheck
    # shellcheck disable=SC2086
    probe 330 tune-probe --shapes qwen2.5-0.5b@m1 llama-3-8b@m1 --layout nt,nn --variants $M1_NT $M1_NN --time-cap-ms 40
    ;;
  grid | grid:*)
    # grid:m1, grid:m8 and grid:mx run one of the three probes each (a call of its own when the
    # three pass the device's 600 s); `final` then takes the committed files.
    grid_runs() { [ "$part" = grid ] || [ "$part" = "grid:$1" ]; }
    if grid_runs m1; then
      # shellcheck disable=SC2086
      probe 250 grid-probe --shapes decode-grid --layout nt --variants ${M1_NT/cublas\/gemm+bias /} --time-cap-ms 40
    fi
    if grid_runs m8; then
      # shellcheck disable=SC2086
      probe 200 grid-m8-probe --shapes decode-grid@m8 --layout nt --variants $GRID8 --time-cap-ms 20
    fi
    # The other row counts dispatch serves, so that a rule at M = 2, 4 or 16 has neighbours with
    # rows of 2048 and 8192 elements, not only the two models' (seventeenth session).
    if grid_runs mx; then
      # shellcheck disable=SC2086
      probe ${GRIDX_SECONDS:-330} grid-mx-probe --shapes decode-grid@m2,4,16 --layout nt --variants $GRIDX --time-cap-ms 20
    fi
    ;;
  nnmx)
    # The nn rows past M = 1 (the mbar probes are nt only).
    probe 300 nn-mx-probe --shapes qwen2.5-0.5b@m2,4 llama-3-8b@m2,4 --layout nn --variants \
      'gemv/nn*' cublas/gemm cublas/gemm+bias cublaslt/matmul --time-cap-ms 20
    ;;
  mbar:*)
    model=${part#mbar:}
    # With MS set (e.g. MS=1,2,4 then MS=8,16, when one probe of a model passes 560 s), the file
    # is named for its row counts (mbar-MODEL-m1-2-4), and `final` takes every part.
    name="mbar-$model${MS:+-m${MS//,/-}}"
    # shellcheck disable=SC2086
    probe 560 "$name" --shapes "$model@m${MS:-1,2,4,8,16}" --layout nt --variants $MBAR --time-cap-ms 20
    python3 bench/tools/m_bar.py "$dir/$name.json" 2>&1 | tee "$dir/$name-summary.txt"
    ;;
  final)
    probes=""
    for source in m1:tune-probe grid:grid-probe grid:grid-m8-probe grid:grid-mx-probe nnmx:nn-mx-probe; do
      f=$(probe_file "${source%%:*}" "${source#*:}")
      [ -f "$f" ] || { echo "missing $f: run PART=${source%%:*} (this call or an earlier one, its probe copied there): stopping"; exit 1; }
      probes="$probes $f"
    done
    # A model's mbar probe: its MS parts (mbar-MODEL-m*) if there are any, this call's and the
    # committed ones of other row counts together; else the whole one, this call's first. (Never
    # parts and a whole one together: the tuner keeps the later file's figures, and which is
    # later would be the name order's.)
    for model in llama-3-8b qwen2.5-0.5b; do
      found=""
      for f in $(set +f; ls "$OUT/mbar-$model/mbar-$model"-m*.json 2>/dev/null); do found="$found $f"; done
      for f in $(set +f; ls "$run-mbar-$model"-m*.json.gz 2>/dev/null); do
        # (Not $part: the loop's "part ... s" line after `final` would name this file.)
        piece=$(basename "$f" .json.gz)
        piece=${piece#"$(basename "$run")-"}
        [ -f "$OUT/mbar-$model/$piece.json" ] || found="$found $f"
      done
      if [ -n "$found" ]; then
        # MS parts must cover every row count the whole probe would (their names say which).
        for m in 1 2 4 8 16; do
          echo "$found" | tr ' ' '\n' | grep -Eq -- "-m([0-9]+-)*$m(-[0-9]+)*\.json" ||
            { echo "the mbar parts of $model ($found) have no M = $m: stopping"; exit 1; }
        done
      else
        found=$(set +f; ls "$OUT/mbar-$model/mbar-$model.json" 2>/dev/null)
        [ -n "$found" ] || found=$(set +f; ls "$run-mbar-$model.json.gz" 2>/dev/null)
      fi
      [ -n "$found" ] || { echo "missing the mbar probe of $model (here or under $run): stopping"; exit 1; }
      echo "final: $model's mbar probe from" $found
      # The M bar over the model's parts together (an MS part alone has no M = 1 row to compare).
      # shellcheck disable=SC2086
      python3 bench/tools/m_bar.py $found >"$dir/mbar-$model-summary.txt" 2>&1
      probes="$probes $(echo $found)"
    done
    echo "final: tuning from$probes"
    for metric in gpu-cold graph; do
      # shellcheck disable=SC2086
      $skinny tune --from $probes --metric $metric --out "$dir/dispatch-$metric.json" >"$dir/tune-$metric.log" 2>&1
      echo "tune $metric: exit $?"
    done
    python3 bench/tools/seed_chain_picks.py "$dir/dispatch-graph.json" "$CHAIN_TABLE" \
      "$dir/chain-seed.json"
    table="$dir/chain-seed.json"
    for step in qwen2.5-0.5b:1 llama-3-8b:2; do
      model=${step%%:*}; n=${step##*:}
      timeout 170 $skinny decode --model "$model" --table "$table" --tune-chain \
        --chain-variants 'cublas*' 'gemv/*' 'dot/*' 'mma/*' \
        --write-table "$dir/dispatch-chain-$n.json" --json "$dir/decode-chain-$n-$model.json" \
        >"$dir/decode-chain-$n-$model.log" 2>&1
      echo "[$n] decode --tune-chain $model: exit $?"
      grep -E "closing comparison: start" "$dir/decode-chain-$n-$model.log" | cut -c1-160
      [ -f "$dir/dispatch-chain-$n.json" ] && table="$dir/dispatch-chain-$n.json"
    done
    timeout 90 $skinny decode --model qwen2.5-0.5b llama-3-8b --table "$table" \
      --json "$dir/decode.json" >"$dir/decode.log" 2>&1
    echo "decode: exit $?"; grep -E "floor|skinny-graph|cublas-graph|cublas-eager" "$dir/decode.log" | grep -v timing
    OUT=$dir dispatch_check dispatch-check "$dir/dispatch-gpu-cold.json" 1,2,4,8,16 200
    ;;
  esac
  echo "part $part: ${SECONDS} s"
done
