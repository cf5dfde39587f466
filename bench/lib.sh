# Pieces the device call scripts share (bench/*.sh and bench/experiments/s17-*): source it with
# `. bench/lib.sh`. OUT (a folder whose contents come back) and skinny (the binary) keep what the
# caller set, else the device's $OUT (a temporary folder elsewhere) and target/release/skinny.
# Each piece prints one or two summary lines; the full output goes under $OUT.
OUT=${OUT:-$(mktemp -d)}
skinny=${skinny:-./target/release/skinny}

# The GPU's name, driver, clocks, temperature and power, as the call began.
smi() {
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
    --format=csv >"$OUT/nvidia-smi.csv" 2>&1
}

# call_begin: how an experiment call starts: the carried binaries unpacked, globbing off (the
# variant globs are for skinny, not the shell) and the GPU's state recorded.
call_begin() {
  unpack_carried
  set -f
  smi
}

# Everything under $OUT as one archive (the device tool brings back a bounded number of files).
# `find`, not a glob: callers may have globbing off (set -f) so that variant globs reach skinny.
# The folder is the OUT this file was sourced with: a script stopped inside a function called
# as `OUT=$dir func` runs its EXIT trap in that function's scope, where OUT is the subfolder
# (s31 review), and the archive would hold only it.
PACK_ROOT=${PACK_ROOT:-$OUT}
pack() {
  tar czf /tmp/all.tgz -C "$PACK_ROOT" . &&
    find "${PACK_ROOT:?}" -mindepth 1 -maxdepth 1 -exec rm -rf {} + && mv /tmp/all.tgz "$PACK_ROOT/"
}

# The edge set the eighteenth session verified new M ≤ 16 kernels on (probe arguments): the smoke
# set at every row count, and n = 1, n and k off every tile, k past the boxes, tiny k, bias,
# axpby, f16, 16 rows of a 140000-row W.
EDGE_SHAPES=(--shapes smoke@all
  --shape 8,5000,1000,bias --shape 7,3000,2056,axpby --shape 8,1,4104 --shape 5,130,4096,f16
  --shape 3,1000,4104,bias --shape 16,140000,64 --shape 16,896,896 --shape 6,77,200,axpby
  --shape 16,65,8 --shape 1,64,64 --shape 12,4096,14336,f16)

# edge_check SECONDS ARGS...: new variants (ARGS name them: --add-registry FILE, --variants
# GLOBS) verified on EDGE_SHAPES at every row count, nothing timed (--strict), into
# $OUT/edge-probe.json; prints the summary and any line naming a wrong or failed run.
edge_check() {
  local seconds=$1
  shift
  probe_into "$OUT" edge-probe "$seconds" "$@" "${EDGE_SHAPES[@]}" --time-cap-ms 2 --strict
  grep -E "incorrect|failed|error" "$OUT/edge-probe.log" | grep -v "0 incorrect" | head -20
}

# verify_first SECONDS ARGS...: before anything that might hang (a new kernel that waits on
# barriers), a verify-only probe of ARGS under a short timeout into $OUT/smoke.json; if it leaves
# no file (it hung, or failed to start), what is under $OUT is packed and the calling script exits
# with status 1, so that a hang costs SECONDS and not every later timeout of the call.
verify_first() {
  local seconds=$1
  shift
  probe_into "$OUT" smoke "$seconds" "$@" --verify-only --strict && return 0
  pack
  exit 1
}

# shapes_at "MS" "N,K ...": sets the array `shapes` to one --shape M,N,K probe argument for every
# row count in MS and every N,K (e.g. shapes_at "1 4 8 16" "28672,4096 4096,14336").
shapes_at() {
  shapes=()
  shapes_add "$@"
}

# shapes_add "MS" "N,K ...": as shapes_at, appending to `shapes` (row counts that differ by N,K).
shapes_add() {
  local m nk
  for m in $1; do
    for nk in $2; do shapes+=(--shape "$m,$nk"); done
  done
}

# timed_probe NAME SECONDS ARGS...: one timing probe into $OUT/NAME.json and the best variants
# of each shape beside cuBLAS (bench/tools/best_per_shape.py), printed and kept in
# $OUT/NAME-summary.txt.
timed_probe() {
  local name=$1 seconds=$2
  shift 2
  probe_into "$OUT" "$name" "$seconds" "$@" &&
    python3 bench/tools/best_per_shape.py "$OUT/$name.json" ${SHOWN:-6} 2>&1 | tee "$OUT/$name-summary.txt"
}

# hot_cold NAME: bench/tools/cold_hot.py on $OUT/NAME.json into $OUT/hot-cold.txt (each variant's
# gpu_cold beside its gpu_hot). The call scripts before the twenty-ninth session write the line out.
hot_cold() {
  python3 bench/tools/cold_hot.py "$OUT/$1.json" >"$OUT/hot-cold.txt"
}

# registry_call TOML EDGE_SECONDS PROBE_SECONDS PROBE_ARGS...: the body of an experiment call
# on one registry file: its exp/* builds verified on the edge set, then one timed probe of
# PROBE_ARGS (shapes, --variants, caps) with the file added (the 10 fastest a shape shown), each
# variant's cold beside its hot figure, and everything under $OUT packed.
registry_call() {
  local add=(--add-registry "$1") edge=$2 seconds=$3
  shift 3
  edge_check "$edge" "${add[@]}" --variants "exp/*"
  SHOWN=10 timed_probe probe "$seconds" "${add[@]}" "$@"
  hot_cold probe
  pack
}

# variant_test GLOBS NAME SECONDS [SANITIZER ARGS...]: cuda_backend's every_cuda_variant test
# (target/gpu) on the variants GLOBS names, under the sanitizer when one is given, into
# $OUT/NAME.log; its exit status and summary lines (combinations checked, result, the
# sanitizer's summary).
variant_test() {
  local globs=$1 name=$2 seconds=$3
  shift 3
  SKINNY_TEST_VARIANTS="$globs" timeout "$seconds" "$@" ./target/gpu/cuda_backend --ignored \
    --test-threads=1 --nocapture every_cuda_variant >"$OUT/$name.log" 2>&1
  echo "$name: exit $?"
  grep -E "checked|test result|ERROR SUMMARY|RACECHECK SUMMARY|panicked" "$OUT/$name.log" | head -4
}
SANITIZER=/usr/local/cuda/bin/compute-sanitizer

# racecheck_side_by_side SECONDS SHARDS VARIANT...: variant_test of each VARIANT under
# compute-sanitizer's racecheck, split into SHARDS processes a variant (SKINNY_TEST_SHARD: the
# cluster-16 nn builds take minutes a combination), all side by side under one timeout, into
# $OUT/racecheck-NAME.log (NAME: the id past its family, then -i for shard i when SHARDS > 1);
# then each process's summary lines and time, and the time of the whole.
racecheck_side_by_side() {
  local seconds=$1 shards=$2 start=$SECONDS v i names=()
  shift 2
  for v in "$@"; do
    for ((i = 0; i < shards; i++)); do
      local name="racecheck-${v#*/}"
      [ "$shards" -gt 1 ] && name+="-$i"
      names+=("$name")
      (s=$SECONDS
       SKINNY_TEST_SHARD="$i/$shards" variant_test "$v" "$name" "$seconds" "$SANITIZER" --tool racecheck
       echo "  ($((SECONDS - s)) s)") >"$OUT/$name.summary" 2>&1 &
    done
  done
  wait
  for v in "${names[@]}"; do cat "$OUT/$v.summary"; done
  echo "racecheck, side by side: $((SECONDS - start)) s"
}

# timeline_probe NAME TOOL ARGS...: a short timing probe (60 s, 5 ms a run) of a build that prints
# timeline lines (ARGS name it: --add-registry, --variants, --shape) into $OUT/NAME.json and .log,
# then bench/tools/TOOL on the log: its summary printed and kept in $OUT/NAME-summary.txt.
timeline_probe() {
  local name=$1 tool=$2
  shift 2
  probe_into "$OUT" "$name" 60 "$@" --time-cap-ms 5
  python3 "bench/tools/$tool" "$OUT/$name.log" | tee "$OUT/$name-summary.txt"
}

# probe_into DIR NAME SECONDS ARGS...: one CUDA probe into DIR/NAME.json (its log beside it),
# its exit status and summary line; fails if it left no file (the probe writes atomically, so a
# probe past its timeout leaves none).
probe_into() {
  local dir=$1 name=$2 seconds=$3
  shift 3
  local start=$SECONDS
  timeout "$seconds" $skinny probe --backend cuda "$@" --json "$dir/$name.json" >"$dir/$name.log" 2>&1
  echo "$name: exit $? ($((SECONDS - start)) s)"
  grep -E "^summary" "$dir/$name.log"
  [ -f "$dir/$name.json" ]
}

# gpu_test BINARY FILTER SECONDS [NAME]: the ignored GPU tests of target/gpu/BINARY whose names
# contain FILTER, one at a time, into $OUT/gpu-test.log (gpu-test-NAME.log with a NAME, so that
# several runs in one call keep their logs); its exit status and result lines.
gpu_test() {
  local start=$SECONDS log="$OUT/gpu-test${4:+-$4}.log"
  timeout "$3" "./target/gpu/$1" --ignored --test-threads 1 "$2" >"$log" 2>&1
  echo "gpu test: exit $? ($((SECONDS - start)) s)"
  grep -E "test result|panicked|FAILED" "$log" | head -5
}

# decode_into NAME SECONDS ARGS...: one `skinny decode` into $OUT/decode-NAME.json (its log
# beside it), its exit status, the floor and the skinny graph modes' lines.
decode_into() {
  local name=$1 seconds=$2 start=$SECONDS
  shift 2
  timeout "$seconds" $skinny decode "$@" --json "$OUT/decode-$name.json" >"$OUT/decode-$name.log" 2>&1
  echo "$name: exit $? ($((SECONDS - start)) s)"
  grep -E "floor|skinny-graph|read chain|error" "$OUT/decode-$name.log" | head -12
}

# dispatch_check NAME TABLE MS SECONDS: `skinny dispatch --measure` with TABLE on the four
# untuned models of the test data at the row counts MS (e.g. 1,2,4,8,16), each choice timed
# beside cuBLAS, into $OUT/NAME.json and .log; prints how many came within 1.05×.
dispatch_check() {
  local name=$1 table=$2 ms=$3 seconds=$4 configs=() m
  for m in qwen2.5-1.5b llama-3.2-1b phi-3-mini-4k gemma-2-2b; do
    configs+=(--model-config "crates/skinny/tests/data/$m/config.json@m$ms")
  done
  local start=$SECONDS
  timeout "$seconds" $skinny dispatch --table "$table" "${configs[@]}" --dtype bf16 --measure \
    --time-cap-ms 60 --json "$OUT/$name.json" >"$OUT/$name.log" 2>&1
  echo "dispatch check: exit $? ($((SECONDS - start)) s)"
  grep -iE "within|warning|slower" "$OUT/$name.log" | tail -8
}

# ncu_profile NAME M N K VARIANT KERNEL_REGEX: ncu on one cold launch of VARIANT's kernel on
# M×N×K (the probe's third launch of it: caches flushed, clocks as they are), the report in
# ncu-in/ncu-NAME.ncu-rep. NCU_METRICS adds metrics to the sections; PROBE_ARGS (unquoted) go to
# the probe, e.g. an --add-registry. NCU_LAUNCH_SKIP=0 profiles the first (verifying) launch
# instead: the only one of a variant whose outputs are wrong, which the probe does not time.
ncu_profile() {
  mkdir -p ncu-in
  timeout 60 /usr/local/cuda/bin/ncu --clock-control none -k "regex:$6" --launch-skip "${NCU_LAUNCH_SKIP:-2}" --launch-count 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section MemoryWorkloadAnalysis_Tables \
    --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats \
    --metrics "${NCU_METRICS:?NCU_METRICS: the metrics to collect}" \
    -o "ncu-in/ncu-$1" $skinny probe --backend cuda ${PROBE_ARGS:-} --shape "$2,$3,$4" --variants "$5" \
    --time-cap-ms 5 --json "$OUT/ncu-$1-probe.json" >"$OUT/ncu-$1.log" 2>&1
  echo "ncu $1: exit $?"
}

# ncu_reports: every report in ncu-in as text under $OUT (raw and details), and the lines that
# say most (duration, DRAM and L2 throughput, launch shape, occupancy, bytes and sectors).
# (`find`, not a glob: callers may have globbing off.)
ncu_reports() {
  local f b
  for f in $(find ncu-in -name '*.ncu-rep' | sort); do
    b=$(basename "$f" .ncu-rep)
    /usr/local/cuda/bin/ncu --import "$f" --page raw >"$OUT/$b.raw.txt" 2>&1
    /usr/local/cuda/bin/ncu --import "$f" --page details --print-details all >"$OUT/$b.details.txt" 2>&1
    echo "== $b"
    grep -E "Duration|DRAM Throughput|L2 Cache Throughput|L1/TEX Hit|Grid Size|Block Size|Registers Per|Dynamic Shared|Achieved Active|Achieved Occupancy" "$OUT/$b.details.txt" | awk '{print $1,$2,$3,$NF}' | head -12
    grep -E "dram__bytes_read.sum |dram__cycles_active.avg.pct_of_peak_sustained_elapsed |lts__t_(requests|sectors)_srcunit_tex_op_read.sum |smsp__average_warp_latency_issue_stalled_[a-z_]*.ratio |smsp__pcsamp_warps_issue_stalled_(long_scoreboard|barrier|mio_throttle|lg_throttle|math_pipe_throttle|short_scoreboard|wait|not_selected|selected) " "$OUT/$b.raw.txt" | awk '{print $1, $NF}' | head -30
  done
}

# unpack_carried: binaries carried gzipped (the device tool's 64 MiB cap counts the tracked files
# too, and bench/results has grown) as target/carry/DIR/NAME.gz, made by bench/carry-gz.sh; each
# is unpacked to target/DIR/NAME, every time: the device keeps ignored build outputs between
# calls, so an unpacked file may be an older call's, whatever its date. Once a call: a script it
# starts (retune-a.sh runs retune-run.sh) sees SKINNY_CARRY_UNPACKED and does not unpack again.
# Call it before `set -f` or after: it does not glob.
unpack_carried() {
  [ -n "${SKINNY_CARRY_UNPACKED:-}" ] && return 0
  local f out
  for f in $(find target/carry -name '*.gz' 2>/dev/null); do
    out=target/${f#target/carry/}
    out=${out%.gz}
    mkdir -p "$(dirname "$out")" && gunzip -c "$f" >"$out" && chmod +x "$out"
  done
  export SKINNY_CARRY_UNPACKED=1
}
