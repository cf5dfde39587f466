#!/usr/bin/env bash
# Twentieth session, call 3: where the tagged chain (v2, call 2's build) loses. The tiny-latency
# chain (97 products of a few hundred nanoseconds each, weights in L2: the boundary alone), twice,
# and qwen with tags read only by grids of at most 300 blocks (qkv, o and down; gate_up and
# lm_head read plain x behind a grid wait). Carry ["target/exp/skinny"] as built for call 2.
# (Rewritten after the run to use bench/lib.sh's gpu_test and decode_into: the same commands and
# files; the summary lines it prints are a superset of the ones the run printed.)
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/exp/skinny
. bench/lib.sh
smi
export SKINNY_EXPERIMENT_ANY_DIGEST=1
table=bench/results/h200-2026-11-21-s18-dispatch-chain.json
tiny=bench/configs/tiny-latency/config.json
SKINNY_EXPERIMENT_TAG_MAX_BLOCKS=100000000 decode_into tiny-all-1 200 --model-config "$tiny" --table "$table"
SKINNY_EXPERIMENT_TAG_MAX_BLOCKS=100000000 decode_into tiny-all-2 200 --model-config "$tiny" --table "$table"
SKINNY_EXPERIMENT_TAG_MAX_BLOCKS=300 decode_into qwen-300 200 --model qwen2.5-0.5b --table "$table"
pack
