#!/usr/bin/env bash
# Seventeenth session, call 18: every piece of bench/lib.sh once on the H200 after the review
# moved the scripts onto it: smi, probe_into (a --verify-only probe of the x-with-W variants),
# dispatch_check (four untuned models at M = 1 and 8 with the s17b table), ncu_profile and
# ncu_reports (dot/m2_r2u2_xw on 2×28672×4096), pack. (As first run, ncu_reports globbed under
# set -f and found no report; it uses find now, and this is the second run.)
# Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
smi
probe_into "$OUT" verify 60 --verify-only --strict --shapes smoke@all --variants 'dot/m2*' 'dot/m4*'
dispatch_check dispatch-check-m1-8 bench/results/h200-2026-11-21-s17b-dispatch.json 1,8 150
NCU_METRICS=dram__bytes_read.sum,dram__cycles_active.avg.pct_of_peak_sustained_elapsed \
  ncu_profile m2-dot 2 28672 4096 dot/m2_r2u2_xw gemv_split
ncu_reports
pack
