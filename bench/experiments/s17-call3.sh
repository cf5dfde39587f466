#!/usr/bin/env bash
# (Ran bench/retune-run.sh as it was then: one part a run, PART=mbar with MODEL=...; the
# script now takes PART="mbar:MODEL" and lists of parts.)
# Seventeenth session, call 3: the re-tune's first two parts (bench/retune-run.sh PART=m1 with
# the new x-with-W variants under test and sanitizers, then PART=grid), each into its own folder.
# Build here: cargo build --release && bash bench/build-gpu-tests.sh; carry
# ["target/release/skinny", "target/gpu"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
export RUN=bench/results/h200-2026-11-21-s17-retune
mkdir -p "$OUT/m1" "$OUT/grid"
SECONDS=0
OUT=$OUT/m1 PART=m1 NEW_VARIANTS='dot/m2_* dot/m4_*' bash bench/retune-run.sh
echo "m1 part: ${SECONDS} s"
SECONDS=0
OUT=$OUT/grid PART=grid bash bench/retune-run.sh
echo "grid part: ${SECONDS} s"
