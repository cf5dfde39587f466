#!/usr/bin/env bash
# Seventeenth session, call 15: bench/retune-run.sh PART=grid as it now is, with the decode grid
# at M = 2, 4 and 16 added (grid-mx-probe), so that dispatch rules at those row counts have
# neighbours with rows of 2048 and 8192 elements. Call 16 builds the tables from it and the
# committed call 3-5 probes. Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
RUN=bench/results/h200-2026-11-21-s17-retune PART=grid bash bench/retune-run.sh
