#!/usr/bin/env python3
"""Summarise the per-block timeline a TIMELINE build of gemv_wgmma prints (one `TL` line a block:
launch, blockIdx.x, blockIdx.y, SM, then globaltimer ns at entry, at the first stage's data, at the
end of the K loop and at the end, then W's address) for each launch it printed.

Usage: timeline.py LOG...   (plain or .gz)

Per launch: blocks, the span from the first block's entry to the last block's end, how the entries
spread, the wait for the first stage, the K loop's length, how the ends spread, and the ends of
blocks on SMs holding the most blocks against those holding the fewest (a grid unbalanced across
SMs finishes late on the crowded ones if a SM's share of DRAM, not a block's, is what is fair).
"""
import statistics
import sys
from collections import defaultdict

from timelines import launches
from timelines import percentile as pct
from timelines import tagged_lines


def summarise(rows):
    t0 = min(r["start"] for r in rows)
    us = lambda t: (t - t0) / 1000.0  # noqa: E731
    starts = [us(r["start"]) for r in rows]
    ends = [us(r["end"]) for r in rows]
    first = [(r["first"] - r["start"]) / 1000.0 for r in rows]
    loop = [(r["loop"] - r["first"]) / 1000.0 for r in rows]
    per_sm = defaultdict(list)
    for r in rows:
        per_sm[r["sm"]].append(r)
    crowd = defaultdict(list)
    for blocks in per_sm.values():
        crowd[len(blocks)].extend(us(b["end"]) for b in blocks)
    out = [
        f"  blocks {len(rows)} on {len(per_sm)} SMs; span {max(ends):.2f} us",
        f"  entry: last at {max(starts):.2f} us (median {statistics.median(starts):.2f})",
        "  first stage after entry: median {:.2f}, p90 {:.2f}, max {:.2f} us".format(
            statistics.median(first), pct(first, 0.9), max(first)),
        "  K loop: min {:.2f}, median {:.2f}, max {:.2f} us".format(
            min(loop), statistics.median(loop), max(loop)),
        "  ends: first {:.2f}, p10 {:.2f}, median {:.2f}, p90 {:.2f}, last {:.2f} us".format(
            min(ends), pct(ends, 0.1), statistics.median(ends), pct(ends, 0.9), max(ends)),
    ]
    for count in sorted(crowd):
        e = crowd[count]
        out.append(f"  SMs with {count} blocks: {len(e) // count} SMs, ends median "
                   f"{statistics.median(e):.2f}, last {max(e):.2f} us")
    return "\n".join(out)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: timeline.py LOG...")
    for path in sys.argv[1:]:
        rows = [{"launch": int(f[1]), "bx": int(f[2]), "by": int(f[3]), "sm": int(f[4]),
                 "start": int(f[5]), "first": int(f[6]), "loop": int(f[7]), "end": int(f[8]),
                 "w": f[9]} for f in tagged_lines(path, "TL")]
        groups = launches(rows, lambda r: r["start"])
        print(f"== {path}: {len(groups)} launches printed")
        for launch, rows in groups:
            ws = {r["w"] for r in rows}
            print(f"launch {launch} (W at {','.join(sorted(ws))})")
            print(summarise(rows))


if __name__ == "__main__":
    main()
