#!/usr/bin/env bash
# Thirty-first session, call 9: racecheck of the nn bias entry (target/gpu/cuda_backend built
# with bench/experiments/s31-nn-bias.patch; call 8's racecheck over all 120 nn combinations
# passed its timeout) on two cluster builds, MAX_M 1 and 4; then registry-s31-tiles.toml
# (CHUNKS = 8 blocks of 2 and 4 rows, which read x once for them) on 1×896×4864 with HEAD's
# binary, beside the registered builds and cuBLAS. Carry target/release/skinny (HEAD) and
# target/gpu/cuda_backend (patched) gzipped.
set -uo pipefail
. bench/lib.sh
call_begin
variant_test "gemv/nn_cl8_c128_m1 gemv/nn_cl8" racecheck 150 "$SANITIZER" --tool racecheck
registry_call bench/experiments/registry-s31-tiles.toml 60 120 --shape 1,896,4864 \
  --shape 1,4096,4096 --shape 1,896,896 --variants "exp/*" mma/c8_m1_u4 mma/c8_m1_u4_b8 \
  mma/c2_m4_u4_b8_tail dot/m1_u5_xw cublas/gemm --time-cap-ms 20
