"""Reading the result files the bench tools take: plain or gzip-compressed (.gz)."""
import gzip
import json


def open_text(path):
    """A result file (JSON, log, CSV) opened for reading as text, gzip-compressed or not."""
    opener = gzip.open if path.endswith(".gz") else open
    return opener(path, "rt", encoding="utf-8", errors="replace")


def is_vendor(variant):
    """Whether a variant is a baseline (cuBLAS, cuBLASLt, the CPU backend's), not skinny's own."""
    return variant.startswith(("cublas", "cpu/"))


def load(path):
    with open_text(path) as f:
        return json.load(f)
