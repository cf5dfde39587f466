#!/usr/bin/env bash
# Seventeenth session, call 17: `skinny probe --verify-only` on the H200, plainly and under
# compute-sanitizer memcheck, on the smoke set at every row count for the x-with-W variants:
# the probe path itself run under the sanitizer, with no timing loops and no ceilings.
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
SECONDS=0
timeout 60 $skinny probe --backend cuda --verify-only --strict --shapes smoke@all --variants 'dot/m2*' 'dot/m4*' \
  --json "$OUT/verify.json" >"$OUT/verify.log" 2>&1
echo "verify-only: exit $? (${SECONDS} s)"; grep -E "^plan|^summary" "$OUT/verify.log"
SECONDS=0
timeout 300 /usr/local/cuda/bin/compute-sanitizer --tool memcheck $skinny probe --backend cuda --verify-only --strict \
  --shapes smoke@all --variants 'dot/m2*' 'dot/m4*' --json "$OUT/verify-memcheck.json" >"$OUT/verify-memcheck.log" 2>&1
echo "verify-only under memcheck: exit $? (${SECONDS} s)"; grep -E "^summary|ERROR SUMMARY" "$OUT/verify-memcheck.log"
tar czf /tmp/all.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -maxdepth 1 ! -name all.tgz -exec rm -rf {} + && mv /tmp/all.tgz "$OUT/"
