#!/usr/bin/env bash
# Thirty-third session, the final call's last part: racecheck of the XSHFL builds one at a time
# (RACE_SECONDS each, default 20 as in the s33 run; call 3 ran the eight together past 150 s, call 4
# ran one shape of one in 3 s). VARIANTS overrides the list (globs, space-separated).
. bench/lib.sh
set -f
for v in ${VARIANTS:-gemv/nn_cl8_c128_u12_m1_xs gemv/nn_cl16_u10_m1_xs gemv/nn_cl16_c128_m2_xs gemv/nn_cl16_m2_xs gemv/nn_cl8_c128_m2_xs gemv/nn_cl8_c128_u8_m2_xs gemv/nn_cl8_c128_m4_xs gemv/nn_cl16_c128_m4_xs}; do
  s=$SECONDS; variant_test "$v" "racecheck-${v#gemv/}" "${RACE_SECONDS:-20}" "$SANITIZER" --tool racecheck; echo "  ($((SECONDS - s)) s)"
done
