#!/usr/bin/env python3
"""Summarise the one line a launch that a TIMELINE = 2 QUEUE build of gemv_wgmma prints
(`TS launch pdl first_entry entry_spread first_end last_end`, ns, the ends from the first
entry): per build (with and without PDL), how the launches' entries spread and when their first
and last blocks end.

Usage: queue_spans.py LOG...   (plain or .gz)
"""
import statistics
import sys
from collections import defaultdict

from timelines import percentile as pct
from timelines import tagged_lines


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: queue_spans.py LOG...")
    for path in sys.argv[1:]:
        builds = defaultdict(list)
        for p in tagged_lines(path, "TS"):
            builds[int(p[2])].append([int(x) / 1000.0 for x in p[4:7]])
        print(f"== {path}")
        for pdl, rows in sorted(builds.items()):
            print(f"  {'PDL build' if pdl else 'plain build'}: {len(rows)} launches")
            for i, name in enumerate(["entry spread", "first block ends", "last block ends"]):
                v = [r[i] for r in rows]
                print(f"    {name}: p10 {pct(v, .1):.2f}, median {statistics.median(v):.2f}, "
                      f"p90 {pct(v, .9):.2f}, max {max(v):.2f} us")


if __name__ == "__main__":
    main()
