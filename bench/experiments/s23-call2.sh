#!/usr/bin/env bash
# Twenty-third session, call 2: the dispatch check of the s23 tables again, with the rules'
# round model (a grid of one block per row group charged for a last round of blocks emptier
# than on the tuned neighbours, blocks a SM from the driver's occupancy of each candidate).
# Build here: cargo build --release && bash bench/carry-gz.sh target/release/skinny; carry
# ["target/carry"] (the tracked files and the plain binary pass the device tool's 64 MiB).
set -uo pipefail
. bench/lib.sh
call_begin
dispatch_check dispatch-check bench/results/h200-2026-11-22-s23-dispatch.json 1,2,4,8,16 300
pack
