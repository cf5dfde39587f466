#!/usr/bin/env bash
# Seventeenth session, call 4: the re-tune's M bar probe of llama-3-8b (bench/retune-run.sh
# PART=mbar; the x-with-W variants are now in its list).
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
SECONDS=0
RUN=bench/results/h200-2026-11-21-s17-retune PART=mbar MODEL=llama-3-8b bash bench/retune-run.sh
echo "mbar llama part: ${SECONDS} s"
