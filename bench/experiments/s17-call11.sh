#!/usr/bin/env bash
# Seventeenth session, call 11: the dispatch check on four untuned models at M = 1, 2, 4, 8 and
# 16 with the committed s17 cold table, after dispatch rules began charging a kernel for a last
# K step that runs part-empty at the problem's row length (dispatch::rules::LAST_STEP_EXPONENT).
# Call 10 ran the first form of the rule; a review found its gemv_mma step UNROLL times too
# long (kernels::k_step_bytes), which moved six picks from mma/m8_k8. This is the corrected rule.
# Build here: cargo build --release. Carry ["target/release/skinny"].
# (Rewritten after the run to use bench/lib.sh: the same commands.)
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
dispatch_check dispatch-check-all-m-fixed bench/results/h200-2026-11-21-s17-dispatch.json 1,2,4,8,16 500
pack
