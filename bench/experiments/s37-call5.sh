#!/usr/bin/env bash
# Thirty-seventh session, call 5: the two grid shapes over 64 MB that miss 92 % of the read
# bandwidth in the s37 table (1×4096×8192 81.5 %, 1×16384×2048 80.0 %), probed with every M = 1
# gemv_split and gemv_mma build so that the probe also takes a sized read of their 67 MB.
set -uo pipefail
. bench/lib.sh
call_begin
trap pack EXIT
SHOWN=6 timed_probe probe 200 --shape 1,4096,8192 --shape 1,16384,2048 --time-cap-ms 20 \
  --variants 'dot/m1_*' 'mma/c*' mma/m8_s4_pf gemv/baseline_t32 cublas/gemm
python3 - "$OUT/probe.json" <<'P' | tee "$OUT/ceilings.txt"
import json, sys
c = json.load(open(sys.argv[1]))["ceilings"]
print("read bandwidth", round(c["read_bandwidth"]["gbps"], 1))
for s in c["sized_reads"]:
    print(s["bytes"], "cold", round(s["us"]["median"], 2), "graph", round(s["graph_us"]["median"], 2), s["config"])
P
