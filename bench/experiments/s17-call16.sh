#!/usr/bin/env bash
# Seventeenth session, call 16: bench/retune-run.sh PART=final on the committed M = 1 and M bar
# probes of calls 3-5 and call 15's grid probes (M = 1, 8 and the new M = 2, 4, 16), linked under
# one prefix on the device: tables, chain search seeded with the s17 chain picks, decode, and the
# dispatch check at M = 1-16. Build here: cargo build --release. Carry ["target/release/skinny"].
set -uo pipefail
mkdir -p /tmp/run
r=bench/results/h200-2026-11-21-s17
for name in tune-probe mbar-llama-3-8b mbar-qwen2.5-0.5b; do
  ln -sf "$PWD/$r-retune-$name.json.gz" "/tmp/run/p-$name.json.gz"
done
for name in grid-probe grid-m8-probe grid-mx-probe; do
  ln -sf "$PWD/$r-call15-$name.json.gz" "/tmp/run/p-$name.json.gz"
done
RUN=/tmp/run/p PART=final CHAIN_TABLE=$r-dispatch-chain.json bash bench/retune-run.sh
