#!/usr/bin/env bash
# Eleventh session, call 6: lm_head as the read kernel is shaped (gemv_baseline in blocks of 2–8
# warps, x with W; bench/experiments/registry-s11-shapes.toml): the probe of qwen's M = 1 nt
# shapes with the short-row experiments, then the chain search on that registry again.
set -uo pipefail
set -f
OUT=${OUT:-$(mktemp -d)}
skinny=./target/release/skinny
reg=bench/experiments/registry-s11-shapes.toml
timeout 120 $skinny probe --backend cuda --registry $reg --shapes qwen2.5-0.5b@m1 --layout nt \
  --variants 'exp/*' dot/m1_r4w1_xw dot/m1_r8w2_xw dot/m1_r4w8_u3_xw gemv/baseline_t32 cublas/gemm \
  --time-cap-ms 40 --json "$OUT/probe-exp.json" >"$OUT/probe-exp.log" 2>&1
echo "probe: exit $?"
python3 - "$OUT/probe-exp.json" <<'PY' 2>&1 | tail -70
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["runs"]:
    p = r["shape"]["problem"]
    t = {k: round(v["median"], 2) for k, v in (r.get("timings") or {}).items() if v and k in ("gpu_cold_us", "graph_us", "graph_pdl_us")}
    print(f'{p["n"]}x{p["k"]} {r["variant"]} {r["disposition"]} {t}')
PY
timeout 300 $skinny decode --model qwen2.5-0.5b --registry $reg --tune-chain \
  --chain-variants 'cublas*' gemv/baseline_t32 'dot/m1_r*' dot/m1_u5_xw 'exp/*' \
  --write-table "$OUT/chain-exp.json" --json "$OUT/decode-chain-exp.json" >"$OUT/decode-chain-exp.log" 2>&1
echo "decode --tune-chain (shapes registry): exit $?"
grep -vE ": (filling|planning|timing|checking|measuring|[0-9]+ chains timed)" "$OUT/decode-chain-exp.log" | grep -E "│ 1×|closing|joint|floor|graph|read chain"
tar czf /tmp/all.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/all.tgz "$OUT/"
