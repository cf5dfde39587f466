#!/usr/bin/env bash
# Twenty-eighth session, call 3: the TAIL_PIECES builds with the tile's block polling its count
# relaxed, one acquire fence at the end (registry-s28-tail.toml): call 2's script (verify first,
# the edge set, a timing probe of llama gate_up at M = 1, 4, 8, 16 beside the one-tile builds and
# cuBLAS, then the TAIL_TIMELINE build at M = 1 and 16) on three of its builds. Needs
# bench/experiments/s28-tail.patch applied (git apply) before the build. Carry
# target/release/skinny gzipped.
NEW="exp/t16_p4x4 exp/t16_p4x2 exp/t8_p4x4" EDGE_SECONDS=100 exec bash bench/experiments/s28-call2.sh
