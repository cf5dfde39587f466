#!/usr/bin/env bash
# Thirty-sixth session, call 3: s36-adopt.patch with the rank read back where it was (after the
# cluster arrival; power-of-two builds' SASS identical to HEAD's, compared locally): racecheck on
# the three new builds (clusters of 14, 5 and 7) and a power-of-two control, side by side;
# memcheck and the plain GPU test on every gemv/nn* build; then the cluster-cost probe.
# Needs bench/experiments/s36-adopt.patch applied (the three builds are registered there).
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
racecheck_side_by_side 200 1 gemv/nn_cl14_c128_u4_m1_xs gemv/nn_cl5_c128_u12_m1_xs gemv/nn_cl7_u4_m1_xs gemv/nn_cl8_c128_m1
variant_test "gemv/nn_cl14_c128_u4_m1_xs gemv/nn_cl5_c128_u12_m1_xs gemv/nn_cl7_u4_m1_xs" memcheck 120 "$SANITIZER" --tool memcheck
variant_test "gemv/nn*" gpu-test-nn 120
bash bench/experiments/s36-cluster-cost.sh
