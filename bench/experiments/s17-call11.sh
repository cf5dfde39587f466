#!/usr/bin/env bash
# Seventeenth session, call 11: the dispatch check on four untuned models at M = 1, 2, 4, 8 and
# 16 with the committed s17 cold table, after dispatch rules began charging a kernel for a last
# K step that runs part-empty at the problem's row length (dispatch::rules::LAST_STEP_EXPONENT).
# Call 10 ran the first form of the rule; a review found its gemv_mma step UNROLL times too
# long (kernels::k_step_bytes), which moved six picks from mma/m8_k8. This is the corrected rule.
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
configs=()
for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
  configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m1,2,4,8,16")
done
SECONDS=0
timeout 500 $skinny dispatch --table bench/results/h200-2026-11-21-s17-dispatch.json "${configs[@]}" --dtype bf16 \
  --measure --time-cap-ms 60 --json "$OUT/dispatch-check-all-m-fixed.json" >"$OUT/dispatch-check-all-m-fixed.log" 2>&1
echo "dispatch check: exit $? (${SECONDS} s)"; grep -iE "within|warning|slower" "$OUT/dispatch-check-all-m-fixed.log" | tail -8
tar czf /tmp/all.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -maxdepth 1 ! -name all.tgz -exec rm -rf {} + && mv /tmp/all.tgz "$OUT/"
