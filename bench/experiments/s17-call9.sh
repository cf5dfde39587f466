#!/usr/bin/env bash
# Seventeenth session, call 9: the dispatch check on four untuned models at the row counts the
# re-tune's check leaves out (M = 2, 4, 16; it covers M = 1 and 8), with the committed s17
# cold table. Build here: cargo build --release. Carry ["target/release/skinny"].
# (Rewritten after the run to use bench/lib.sh: the same commands.)
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
dispatch_check dispatch-check-m2-4-16 bench/results/h200-2026-11-21-s17-dispatch.json 2,4,16 400
pack
