#!/usr/bin/env python3
"""Drop the raw samples ("values") from archived result files, keeping every summary figure.

The device tool copies the working tree (64 MiB cap), and raw samples are most of a probe file's
size. The full files stay in git history; skinny reads stripped files (Stats.values defaults to
empty). Usage: strip_samples.py FILE.json[.gz] ...  (rewrites each file in place, atomically).
"""
import gzip
import json
import os
import sys

from result_files import load


def strip(node):
    if isinstance(node, dict):
        if "median" in node and "values" in node and "samples" in node:
            node.pop("values")
        for value in node.values():
            strip(value)
    elif isinstance(node, list):
        for value in node:
            strip(value)


def main(paths):
    for path in paths:
        data = load(path)
        strip(data)
        tmp = path + ".tmp"
        try:
            if path.endswith(".gz"):
                # mtime 0: the same data gives the same bytes, so a re-run changes nothing in git.
                with gzip.GzipFile(tmp, "wb", mtime=0) as raw:
                    raw.write(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())
            else:
                with open(tmp, "w", encoding="utf-8") as f:
                    json.dump(data, f, indent=2, ensure_ascii=False)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
