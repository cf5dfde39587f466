#!/usr/bin/env bash
# Twenty-second session, call 3: the committed state (s22b tables, digest 41440c5c) as a user runs
# it: qwen's decode four times and llama's once with the release binary and the s22b chain table,
# for the spread of the qwen chain against its floor across read-bandwidth readings.
# Build here: cargo build --release; bash bench/carry-gz.sh target/release/skinny; carry
# ["target/carry"].
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
. bench/lib.sh
unpack_carried
smi
table=bench/results/h200-2026-11-22-s22b-dispatch-chain.json
for r in 1 2 3 4; do
  decode_into "qwen-$r" 150 --model qwen2.5-0.5b --table "$table"
done
decode_into llama 150 --model llama-3-8b --table "$table"
pack
