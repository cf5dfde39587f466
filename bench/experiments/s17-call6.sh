#!/usr/bin/env bash
# (Ran bench/retune-run.sh as it was then: one part a run, PART=mbar with MODEL=...; the
# script now takes PART="mbar:MODEL" and lists of parts.)
# Seventeenth session, call 6: the re-tune's last part (bench/retune-run.sh PART=final): the
# tables from the five probes of calls 3-5, the chain search seeded with the s16 chain table's
# picks, decode of both models, the dispatch check.
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
SECONDS=0
RUN=bench/results/h200-2026-11-21-s17-retune PART=final \
  CHAIN_TABLE=bench/results/h200-2026-11-21-s16-dispatch-chain.json bash bench/retune-run.sh
echo "final part: ${SECONDS} s"
