"""Reading the result files the bench tools take: plain JSON or gzip-compressed (.gz)."""
import gzip
import json


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)
