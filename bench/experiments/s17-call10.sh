#!/usr/bin/env bash
# Seventeenth session, call 10: the dispatch check on four untuned models at M = 1, 2, 4, 8 and
# 16 with the committed s17 cold table, after dispatch rules began charging a kernel for a last
# K step that runs part-empty at the problem's row length (dispatch::rules::LAST_STEP_EXPONENT).
# Call 9 (the rule before) had 2×16384×3072 and 2×32064×3072 at 1.16× and 1.12× cuBLAS.
# Build here: cargo build --release. Carry ["target/release/skinny"].
# (Rewritten after the run to use bench/lib.sh: the same commands.)
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
dispatch_check dispatch-check-all-m bench/results/h200-2026-11-21-s17-dispatch.json 1,2,4,8,16 500
pack
