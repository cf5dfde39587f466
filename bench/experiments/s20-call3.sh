#!/usr/bin/env bash
# Twentieth session, call 3: where the tagged chain (v2, call 2's build) loses. The tiny-latency
# chain (97 products of a few hundred nanoseconds each, weights in L2: the boundary alone), twice,
# and qwen with tags read only by grids of at most 300 blocks (qkv, o and down; gate_up and
# lm_head read plain x behind a grid wait). Carry ["target/exp/skinny"] as built for call 2.
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/exp/skinny
. bench/lib.sh
smi
export SKINNY_EXPERIMENT_ANY_DIGEST=1
table=bench/results/h200-2026-11-21-s18-dispatch-chain.json
decode() {
  local name=$1 max=$2 start=$SECONDS
  shift 2
  SKINNY_EXPERIMENT_TAG_MAX_BLOCKS=$max timeout 200 $skinny decode "$@" --table "$table" \
    --json "$OUT/decode-$name.json" >"$OUT/decode-$name.log" 2>&1
  echo "$name: exit $? ($((SECONDS - start)) s)"
  grep -E "floor|skinny-graph-pdl|skinny-graph-tagged|error" "$OUT/decode-$name.log" | head -6
}
decode tiny-all-1 100000000 --model-config bench/configs/tiny-latency/config.json
decode tiny-all-2 100000000 --model-config bench/configs/tiny-latency/config.json
decode qwen-300 300 --model qwen2.5-0.5b
pack
