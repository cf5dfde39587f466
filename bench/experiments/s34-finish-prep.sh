#!/usr/bin/env bash
# Before the last two calls of the s34 re-tune (PERF.md, "Thirty-fourth session: what the next
# session should run"): applies bench/experiments/s34-adopt.patch, builds, and refuses to go on
# unless the sources digest is the one the committed s34 probe files carry (d0d3da71), since
# `final` would refuse them otherwise; then builds the GPU tests and the gzipped carry.
set -euo pipefail
cd "$(dirname "$0")/../.."
want=d0d3da71
git apply bench/experiments/s34-adopt.patch
cargo build --release
probe=$(mktemp --suffix=.json)
./target/release/skinny probe --backend cpu --shape 1,64,64 --json "$probe" >/dev/null
got=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['sources_digest'][:8])" "$probe")
rm -f "$probe"
if [ "$got" != "$want" ]; then
  echo "sources digest $got, not $want: the committed s34 probes would be refused (re-tune from the start)" >&2
  exit 1
fi
echo "sources digest $got: as the committed s34 probes"
bash bench/build-gpu-tests.sh
bash bench/carry-gz.sh target/release/skinny target/gpu/cuda_backend target/gpu/cuda_decode
