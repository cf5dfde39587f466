#!/usr/bin/env bash
# Gzip built binaries under target/ into target/carry/ for a device call: carry
# ["target/carry"] and call `unpack_carried` (bench/lib.sh) there. E.g.
#   bash bench/carry-gz.sh target/exp/skinny target/gpu/cuda_decode
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf target/carry
for path in "$@"; do
  case $path in
  target/*) ;;
  *) echo "carry-gz: '$path' is not under target/" >&2 && exit 1 ;;
  esac
  out=target/carry/${path#target/}.gz
  mkdir -p "$(dirname "$out")"
  gzip -9 -c "$path" >"$out"
done
du -sh target/carry
