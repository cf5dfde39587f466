#!/usr/bin/env python3
"""Summarise the per-unit timeline a TIMELINE build of gemv_wgmma's QUEUE path prints: `TP launch
block sm unit ns` (the producer's first request of each unit it takes) and `TC launch block sm i
first change after` (the warpgroup's i-th unit: its first stage landed, the next unit's first
stage or the end mark landed, its epilogue done), globaltimer ns.

Usage: queue_timeline.py LOG...   (plain or .gz)

Per launch: blocks and units, the span, a unit's first stage after its first request, a unit's
stream (first stage to the next unit's), its epilogue, the wait from one unit's epilogue to the
next unit's first stage, and how the blocks' ends spread.
"""
import sys
from collections import defaultdict

from timelines import percentile as pct
from timelines import split_at_gaps
from timelines import tagged_lines


def line(name, values):
    return "  {}: n {}, p10 {:.2f}, median {:.2f}, p90 {:.2f}, max {:.2f} us".format(
        name, len(values), pct(values, 0.1), pct(values, 0.5), pct(values, 0.9),
        max(values) if values else float("nan"))


def launches_of(path):
    tp, tc = defaultdict(list), defaultdict(list)
    for p in tagged_lines(path, "TP", "TC"):
        fields = tuple(int(x) for x in p[2:])
        (tp if p[0] == "TP" else tc)[int(p[1])].append(fields)
    for launch in sorted(tc):
        for g in split_at_gaps(tc[launch], lambda r: r[3]):
            lo, hi = g[0][3] - 1_000_000, g[-1][5] + 1_000_000
            yield launch, g, [r for r in tp[launch] if lo <= r[3] <= hi]


def summarise(tc, tp):
    t0 = min([r[3] for r in tp] + [r[3] for r in tc])
    us = lambda t: (t - t0) / 1000.0  # noqa: E731
    by_block = defaultdict(list)
    for r in tc:
        by_block[r[0]].append(r)
    issued = defaultdict(list)
    for r in sorted(tp, key=lambda r: r[3]):
        issued[r[0]].append(r[3])
    first_wait, stream, epilogue, gap, ends = [], [], [], [], []
    for block, units in by_block.items():
        units.sort(key=lambda r: r[2])
        for i, r in enumerate(units):
            # The warpgroup notes a unit's start after the last one's epilogue, and notices the
            # next unit's first stage (`change`) once it has used this unit's last: an upper
            # bound on that stage's wait after its request.
            if i == 0 and issued[block]:
                first_wait.append((r[3] - issued[block][0]) / 1000.0)
            if i + 1 < len(issued[block]):
                gap.append((r[4] - issued[block][i + 1]) / 1000.0)
            stream.append((r[4] - r[3]) / 1000.0)
            epilogue.append((r[5] - r[4]) / 1000.0)
        ends.append(us(units[-1][5]))
    per_block = [len(u) for u in by_block.values()]
    return "\n".join([
        f"  blocks {len(by_block)}, units {len(tc)} ({min(per_block)}–{max(per_block)} a block); "
        f"span {max(ends):.2f} us",
        line("a block's first stage after its request", first_wait),
        line("a unit in the warpgroup (start to the next unit's first stage)", stream),
        line("its epilogue in the warpgroup", epilogue),
        line("the next unit's first stage noticed, after its request", gap),
        line("block ends", ends),
    ])


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: queue_timeline.py LOG...")
    for path in sys.argv[1:]:
        print(f"== {path}")
        for launch, tc, tp in launches_of(path):
            print(f"launch {launch}")
            print(summarise(tc, tp))


if __name__ == "__main__":
    main()
