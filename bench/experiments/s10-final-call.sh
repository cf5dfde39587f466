# The tenth session's planned closing call, for the next session: dot/m1_r4w8_u3_xw added to
# registry/variants.toml (as in bench/experiments/registry-s10-down.toml's exp/r4w8u3_xw), GPU
# test of it, the M = 1 probe of both layouts and both tables, the chain search for qwen and
# llama, the dispatch check. Run with carry ["target/release/skinny", "target/gpu"] after
# `cargo build --release && bash bench/build-gpu-tests.sh`. In the tenth session the probe ran
# past PROBE_S=230 and wrote nothing (20 shapes × 20 variants take ~260 s): give it 420.
export NEW_VARIANTS="dot/m1_r4w8_u3_xw"
pack() { tar czf /tmp/all.tgz -C "$OUT" --exclude all.tgz . && cp /tmp/all.tgz "$OUT/all.tgz"; }
PART=tables PROBE_S=420 CAP_MS=40 bash bench/tune-decode-run.sh 2>&1 | tail -6; pack
[ -f "$OUT/dispatch-graph.json" ] && PART=chain TABLE="$OUT/dispatch-graph.json" DECODE_S=150 bash bench/tune-decode-run.sh 2>&1 | grep -E "exit|closing|skinny-graph|floor|^│ 1×" ; pack
[ -f "$OUT/dispatch.json" ] && PART=dispatch TABLE="$OUT/dispatch.json" bash bench/tune-decode-run.sh 2>&1 | tail -2; pack
mkdir -p /tmp/keep && mv "$OUT/all.tgz" /tmp/keep/ && rm -rf "${OUT:?}"/* && mv /tmp/keep/all.tgz "$OUT/"
