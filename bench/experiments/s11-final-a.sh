#!/usr/bin/env bash
# Eleventh session, closing call A: dot/m1_r4w8_u3_xw and dot/m1_r8w2_xw are in the embedded
# registry (the digest changed, every table went stale). Their GPU test on the edge set, the
# dispatch chains test (PDL pairs, the new ones among them), the M = 1 probe of both layouts and
# both tables. Carry ["target/release/skinny", "target/gpu"]; everything in $OUT/all.tgz.
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
export OUT NEW_VARIANTS="dot/m1_r4w8_u3_xw dot/m1_r8w2_xw"
timeout 150 ./target/gpu/cuda_dispatch --ignored --test-threads=1 >"$OUT/gpu-tests-dispatch.log" 2>&1
echo "GPU tests cuda_dispatch: exit $?"; grep -E "test result|panicked" "$OUT/gpu-tests-dispatch.log" | head -4
PART=tables PROBE_S=${PROBE_S:-380} CAP_MS=40 bash bench/tune-decode-run.sh 2>&1 | tail -6
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
