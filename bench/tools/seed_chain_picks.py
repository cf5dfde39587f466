#!/usr/bin/env python3
"""Copy the chain picks (`chain_pdl`) of one dispatch table into another, entry by entry.

For a table re-tuned from more probe files (new shapes, new row counts) on the same sources: the
chain search (`skinny decode --tune-chain`) then starts from the earlier picks instead of the
graph-ranked winners, and re-times them. Only entries whose problem key is in both tables get a
pick.
Usage: seed_chain_picks.py TABLE PICKS_TABLE OUT
"""
import json
import sys


def main(table_path, picks_path, out_path):
    with open(table_path) as f:
        table = json.load(f)
    with open(picks_path) as f:
        picks = json.load(f)
    by_key = {json.dumps(e["key"], sort_keys=True): e.get("chain_pdl") for e in picks["entries"]}
    seeded = 0
    for entry in table["entries"]:
        pick = by_key.get(json.dumps(entry["key"], sort_keys=True))
        if pick:
            entry["chain_pdl"] = pick
            seeded += 1
    with open(out_path, "w") as f:
        json.dump(table, f, indent=1)
    print(f"seeded {seeded} chain picks")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    main(*sys.argv[1:])
