#!/usr/bin/env bash
# One sitting on a GPU machine for the report issue: skinny's probe and PyTorch's F.linear on the
# same shapes, a second probe of the same build (for `skinny compare`'s noise check), then the
# comparison. Build first, here: cargo build --release; carry ["target/release/skinny"].
# Everything lands in $OUT (and $OUT/all.tgz); `skinny report` runs on the results afterwards.
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
cap=${CAP_MS:-100}
variants=('cublas*' gemv/baseline dot/m1 dot/m1_r4 dot/m1_grid dot/m1_u8 gemv/splitk
  mma/m8_k8 mma/m8_u4 mma/m8_s4 mma/m8_s4p mma/m16_k8 mma/m16_s4)

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
  --format=csv >"$OUT/nvidia-smi.csv" 2>&1
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))'

# The peer script on a tiny set first: a broken script shows in seconds.
$skinny probe --backend cuda --shapes smoke --variants cublas/gemm --time-cap-ms 20 \
  --json "$OUT/smoke-probe.json" >"$OUT/smoke-probe.log" 2>&1
python3 bench/peers/torch_linear.py --shapes-from "$OUT/smoke-probe.json" --json "$OUT/smoke-torch.json" \
  --time-cap-ms 20 >"$OUT/smoke-torch.log" 2>&1
echo "torch smoke: exit $?"; tail -4 "$OUT/smoke-torch.log"

$skinny probe --backend cuda --shapes qwen2.5-0.5b@m1,8 llama-3-8b@m1,8 --variants "${variants[@]}" \
  --time-cap-ms "$cap" --json "$OUT/probe.json" >"$OUT/probe.log" 2>&1
echo "probe: exit $?"; grep -E "^summary" "$OUT/probe.log"
python3 bench/peers/torch_linear.py --shapes-from "$OUT/probe.json" --json "$OUT/torch.json" \
  --time-cap-ms "$cap" >"$OUT/torch.log" 2>&1
echo "torch: exit $?"; tail -22 "$OUT/torch.log"
$skinny probe --backend cuda --shapes qwen2.5-0.5b llama-3-8b --variants "${variants[@]}" \
  --time-cap-ms "$cap" --json "$OUT/probe-again.json" >"$OUT/probe-again.log" 2>&1
echo "probe again: exit $?"
$skinny compare "$OUT/probe.json" "$OUT/probe-again.json" >"$OUT/compare.log" 2>&1
echo "compare: exit $?"; head -30 "$OUT/compare.log"
(cd "$OUT" && tar czf /tmp/all.tgz . && mv /tmp/all.tgz all.tgz)
