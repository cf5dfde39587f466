"""What the timeline tools (timeline.py, queue_timeline.py, queue_spans.py) share: a percentile
as they report it, and the split of one launch number's lines into launches."""


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
