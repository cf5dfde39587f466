#!/usr/bin/env python3
"""Summarise the per-block timeline a TAIL_TIMELINE build of gemv_wgmma prints (one `TT` line a
block: launch, blockIdx.x, SM, units done, whether it holds a tile's head, then globaltimer ns at entry, at the end of its first
unit, at the end of its last unit and at its end, after the wait for its own tile's pieces).

Usage: tail_timeline.py LOG...   (plain or .gz)

Per launch, in µs from the first block's entry: how the first units (heads) end, how the last
units end (the queue running dry), how the blocks end, the wait of the tiles' blocks for their
pieces, and the units a block did.
"""
import statistics
import sys
from collections import defaultdict

from timelines import launches
from timelines import percentile as pct
from timelines import tagged_lines


def spread(values):
    return "first {:.2f}, p10 {:.2f}, median {:.2f}, p90 {:.2f}, last {:.2f}".format(
        min(values), pct(values, 0.1), statistics.median(values), pct(values, 0.9), max(values))


def summarise(rows):
    t0 = min(r["entry"] for r in rows)
    us = lambda t: (t - t0) / 1000.0  # noqa: E731
    working = [r for r in rows if r["units"] > 0]
    owners = [r for r in rows if r["owner"]]
    units = defaultdict(int)
    for r in rows:
        units[r["units"]] += 1
    return "\n".join([
        f"  blocks {len(rows)} ({len(working)} with work); span {max(us(r['end']) for r in rows):.2f} us",
        f"  entries: last at {max(us(r['entry']) for r in rows):.2f} us",
        "  first unit ends: " + spread([us(r["first"]) for r in working]),
        "  last unit ends:  " + spread([us(r["loop"]) for r in working]),
        "  block ends:      " + spread([us(r["end"]) for r in rows]),
        "  wait for own pieces: " + spread([(r["end"] - r["loop"]) / 1000.0 for r in owners]),
        "  units a block: " + ", ".join(f"{u}: {units[u]}" for u in sorted(units)),
    ])


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: tail_timeline.py LOG...")
    for path in sys.argv[1:]:
        rows = [{"launch": int(v[1]), "block": int(v[2]), "sm": int(v[3]), "units": int(v[4]),
                 "owner": v[5] == "1", "entry": int(v[6]), "first": int(v[7]),
                 "loop": int(v[8]), "end": int(v[9])} for v in tagged_lines(path, "TT")]
        groups = launches(rows, lambda r: r["entry"])
        print(f"== {path}: {len(groups)} launches printed")
        for launch, rows in groups:
            print(f"launch {launch}")
            print(summarise(rows))


if __name__ == "__main__":
    main()
