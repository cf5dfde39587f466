#!/usr/bin/env bash
# Build the GPU test binaries in release mode and copy them to target/gpu/<test name>, stable
# paths to carry to the GPU machine (which has no cargo).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/gpu
for test in cuda_backend cuda_dispatch cuda_decode; do
  exe=$(cargo test --release -p skinny --test "$test" --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
name = sys.argv[1]
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == name:
        print(m["executable"])' "$test")
  # Stripped: the device tool's 64 MiB cap counts carried binaries with the tracked files.
  strip -o "target/gpu/$test" "$exe"
done
ls -la target/gpu
