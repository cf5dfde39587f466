"""What the timeline tools (timeline.py, queue_timeline.py, queue_spans.py, tail_timeline.py)
share: the tagged lines of a log, a percentile as they report it, and the split of one launch
number's lines into launches."""
from collections import defaultdict

from result_files import open_text


def tagged_lines(path, *tags):
    """The fields of every line of a log (plain or .gz) whose first field is one of `tags` (the
    kernels' printf lines, e.g. "TL"), the tag first."""
    with open_text(path) as f:
        for line in f:
            fields = line.split()
            if fields and fields[0] in tags:
                yield fields


def percentile(values, q):
    """The value at fraction q of the sorted values (nearest rank); NaN for none."""
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))]


def split_at_gaps(rows, time_of, gap_ns=1_000_000):
    """Rows of one launch number, sorted by time_of, cut where the time jumps by more than gap_ns.
    Each build of a kernel (with and without PDL) is a module that numbers its launches itself,
    so one number can hold two launches; blocks of one launch start within a few microseconds."""
    rows = sorted(rows, key=time_of)
    groups, group = [], [rows[0]]
    for r in rows[1:]:
        if time_of(r) - time_of(group[-1]) > gap_ns:
            groups.append(group)
            group = []
        group.append(r)
    groups.append(group)
    return groups


def launches(rows, time_of):
    """Rows that carry their launch number ("launch"), as (number, rows of one launch) in order of
    number, each number's rows cut into launches by split_at_gaps."""
    by_number = defaultdict(list)
    for r in rows:
        by_number[r["launch"]].append(r)
    return [(number, group) for number in sorted(by_number)
            for group in split_at_gaps(by_number[number], time_of)]
