#!/usr/bin/env bash
# Seventeenth session, call 9: the dispatch check on four untuned models at the row counts the
# re-tune's check leaves out (M = 2, 4, 16; it covers M = 1 and 8), with the committed s17
# cold table. Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
configs=()
for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
  configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m2,4,16")
done
SECONDS=0
timeout 400 $skinny dispatch --table bench/results/h200-2026-11-21-s17-dispatch.json "${configs[@]}" --dtype bf16 \
  --measure --time-cap-ms 60 --json "$OUT/dispatch-check-m2-4-16.json" >"$OUT/dispatch-check-m2-4-16.log" 2>&1
echo "dispatch check: exit $? (${SECONDS} s)"; grep -iE "within|warning|slower" "$OUT/dispatch-check-m2-4-16.log" | tail -8
tar czf /tmp/all.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -maxdepth 1 ! -name all.tgz -exec rm -rf {} + && mv /tmp/all.tgz "$OUT/"
