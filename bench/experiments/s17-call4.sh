#!/usr/bin/env bash
# (Ran bench/retune-run.sh as it was then: one part a run, PART=mbar with MODEL=...; the
# script now takes PART="mbar:MODEL" and lists of parts.)
# Seventeenth session, call 4: the re-tune's M bar probe of llama-3-8b (bench/retune-run.sh
# PART=mbar; the x-with-W variants are now in its list).
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
SECONDS=0
RUN=bench/results/h200-2026-11-21-s17-retune PART=mbar MODEL=llama-3-8b bash bench/retune-run.sh
echo "mbar llama part: ${SECONDS} s"
