#!/usr/bin/env bash
# Build the GPU test binary in release mode and copy it to target/gpu/cuda_backend, a stable path
# to carry to the GPU machine (which has no cargo).
set -euo pipefail
cd "$(dirname "$0")/.."
exe=$(cargo test --release -p skinny --test cuda_backend --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "cuda_backend":
        print(m["executable"])')
mkdir -p target/gpu
cp "$exe" target/gpu/cuda_backend
ls -la target/gpu/cuda_backend
