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
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            data = json.load(f)
        strip(data)
        tmp = path + ".tmp"
        with opener(tmp, "wt", encoding="utf-8") as f:
            if path.endswith(".gz"):
                json.dump(data, f, separators=(",", ":"), ensure_ascii=False)
            else:
                json.dump(data, f, indent=2, ensure_ascii=False)
        os.replace(tmp, path)
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
