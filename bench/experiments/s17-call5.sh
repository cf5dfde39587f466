#!/usr/bin/env bash
# (Ran bench/retune-run.sh as it was then: one part a run, PART=mbar with MODEL=...; the
# script now takes PART="mbar:MODEL" and lists of parts.)
# Seventeenth session, call 5: the re-tune's M bar probe of qwen2.5-0.5b, then (its file put
# where PART=final looks, on the device's copy of the tree) the tables, the chain search, decode
# and the dispatch check (bench/retune-run.sh PART=mbar, then PART=final). As run, the tar member
# was named without its ./ and the final part did not run (call 6 ran it); fixed here since.
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
export RUN=bench/results/h200-2026-11-21-s17-retune
mkdir -p "$OUT/mbar" "$OUT/final"
SECONDS=0
OUT=$OUT/mbar PART=mbar MODEL=qwen2.5-0.5b bash bench/retune-run.sh
echo "mbar qwen part: ${SECONDS} s"
tar xzf "$OUT/mbar/all.tgz" -C /tmp ./mbar-qwen2.5-0.5b.json || exit 1
gzip -c /tmp/mbar-qwen2.5-0.5b.json >"$RUN-mbar-qwen2.5-0.5b.json.gz"
SECONDS=0
OUT=$OUT/final PART=final CHAIN_TABLE=bench/results/h200-2026-11-21-s16-dispatch-chain.json bash bench/retune-run.sh
echo "final part: ${SECONDS} s"
