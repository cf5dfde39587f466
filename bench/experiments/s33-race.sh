#!/usr/bin/env bash
# Thirty-third session, call 4's first part: why racecheck ran past 150 s on the XSHFL builds in
# call 3. One verify-only probe of one shape under racecheck for each of: an XSHFL build, the same
# build without XSHFL, and a registered nn build the s32 racecheck passed (30 s each).
set -uo pipefail
. bench/lib.sh
unpack_carried
set -f
add=(--add-registry bench/experiments/registry-s33-race.toml)
race() { # NAME SHAPE VARIANT
  local start=$SECONDS
  timeout 30 "$SANITIZER" --tool racecheck $skinny probe --backend cuda "${add[@]}" --shape "$2" \
    --layout nn --variants "$3" --verify-only --strict --json "$OUT/race-$1.json" >"$OUT/race-$1.log" 2>&1
  echo "race $1 ($3, $2): exit $? ($((SECONDS - start)) s)"
  grep -E "^summary|RACECHECK SUMMARY" "$OUT/race-$1.log"
}
race xs 2,896,896 gemv/nn_cl16_c128_m2_xs
race mb4 2,896,896 exp/nn_cl16_c128_m2_mb4
race control 1,896,896 gemv/nn_cl16_c128_m1
