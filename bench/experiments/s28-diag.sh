#!/usr/bin/env bash
# Twenty-eighth session: which (variant, shape) of the TAIL_PIECES builds hangs, one probe each
# under a short timeout (call 1's verify-first probe of all of them hung for its 45 s).
# Needs bench/experiments/s28-tail.patch applied (git apply) before the build.
set -uo pipefail
. bench/lib.sh
call_begin
add="--add-registry bench/experiments/registry-s28-tail.toml"
one() {
  local v=$1 shape=$2 secs=$3 start=$SECONDS
  timeout "$secs" $skinny probe --backend cuda $add --variants "$v" --shape "$shape" --verify-only \
    --strict --json "$OUT/d.json" >"$OUT/diag-${v//\//_}-$shape.log" 2>&1
  echo "$v $shape: exit $? ($((SECONDS - start)) s) $(grep -oE 'passed|incorrect|failed' "$OUT/diag-${v//\//_}-$shape.log" | sort | uniq -c | tr '\n' ' ')"
}
one wg/m16_s4p_r 1,64,64 20
one exp/t16_p4x4 1,64,64 15
one exp/t16_p4x4 16,140000,64 15
one exp/t16_p4x4 3,1000,4104,bias 15
one exp/t16_p4x4 16,4096,4096 20
one exp/t8_p4x4 8,4096,4096 20
one exp/t16_p4x4 16,28672,4096 30
pack
