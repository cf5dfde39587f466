#!/usr/bin/env bash
# Twenty-third session, re-tune call B: bench/retune-run.sh's parts mbar (both models) and
# final, which takes call A's probes from bench/results under RUN's prefix and seeds the chain
# search with the s22b chain table's picks (RUN and CHAIN_TABLE override both). Build and carry
# as s23-retune-a.sh says.
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
PART="mbar:llama-3-8b mbar:qwen2.5-0.5b final" RUN=${RUN:-bench/results/h200-2026-11-22-s23-retune} \
  CHAIN_TABLE=${CHAIN_TABLE:-bench/results/h200-2026-11-22-s22b-dispatch-chain.json} OUT=$OUT \
  bash bench/retune-run.sh
