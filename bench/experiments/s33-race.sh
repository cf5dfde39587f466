#!/usr/bin/env bash
# Thirty-third session, call 4's first part: why racecheck ran past 150 s on the XSHFL builds in
# call 3. One verify-only probe of one shape under racecheck for each of: an XSHFL build, the same
# build without XSHFL, and a registered nn build the s32 racecheck passed (30 s each). As run in
# call 4 but for its printed lines: race() was its own timeout-and-probe line, now lib.sh's
# probe_into with the sanitizer in front of skinny (the same command and files; stub-checked).
set -uo pipefail
. bench/lib.sh
unpack_carried
set -f
add=(--add-registry bench/experiments/registry-s33-race.toml)
race() { # NAME SHAPE VARIANT: lib.sh's probe_into, with the sanitizer in front of skinny
  echo "race $1: $3 on $2"
  skinny="$SANITIZER --tool racecheck $skinny" probe_into "$OUT" "race-$1" 30 "${add[@]}" \
    --shape "$2" --layout nn --variants "$3" --verify-only --strict
  grep -E "RACECHECK SUMMARY" "$OUT/race-$1.log"
}
race xs 2,896,896 gemv/nn_cl16_c128_m2_xs
race mb4 2,896,896 exp/nn_cl16_c128_m2_mb4
race control 1,896,896 gemv/nn_cl16_c128_m1
