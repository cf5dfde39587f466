#!/usr/bin/env python3
"""Checks, on the CPU, the index arithmetic of gemv_mma's CHUNKS fragments (mma.cu): builds every
lane's W and x vectors as the kernel's load_batch picks them, emulates mma.sync m16n8k16 from
the fragment layout in the PTX manual (A row-major 16x16: a0a1 row g cols 2t..2t+1, a2a3 row g+8,
a4a5 row g cols 2t+8.., a6a7 row g+8; B col-major 16x8: b0b1 rows 2t.., b2b3 rows 2t+8.., col g;
D: d0d1 row g cols 2t.., d2d3 row g+8), keeps the entries the epilogue keeps, and compares the
sums with x·Wᵀ for every CHUNKS, every m it allows, SPAN 1, 2, 4, a whole and a ragged K.
A model of the kernel, not the kernel: the GPU tests check that. Usage: chunk_fragments.py
"""
import random

rng = random.Random(1)


def check(chunks, m, span, vectors):
    tile_rows = 8 // chunks
    row_step = 4 * span * chunks
    has_hi = m > 8 // chunks
    w = [[rng.uniform(-1, 1) for _ in range(8 * vectors)] for _ in range(tile_rows)]
    x = [[rng.uniform(-1, 1) for _ in range(8 * vectors)] if i < m else [0.0] * (8 * vectors)
         for i in range(16)]

    def vec(row, c):
        return row[8 * c:8 * c + 8] if c < vectors else [0.0] * 8

    d = [[0.0] * 4 for _ in range(32)]
    for s in range((vectors + row_step - 1) // row_step):
        for h in range(span):
            lanes = []
            for lane in range(32):
                g, t = lane >> 2, lane & 3
                c = row_step * s + 4 * chunks * h + 4 * (g % chunks) + t
                lo, hi = g // chunks, (g + 8) // chunks
                lanes.append((vec(w[g // chunks], c), vec(x[lo], c) if lo < m else [0.0] * 8,
                              vec(x[hi], c) if has_hi and hi < m else [0.0] * 8))
            for q in range(2):
                a = [[0.0] * 16 for _ in range(16)]
                b = [[0.0] * 8 for _ in range(16)]
                for lane, (wv, lo, hi) in enumerate(lanes):
                    g, t = lane >> 2, lane & 3
                    for e in range(2):
                        a[g][2 * t + e], a[g + 8][2 * t + e] = lo[4 * q + e], hi[4 * q + e]
                        a[g][2 * t + 8 + e] = lo[4 * q + 2 + e]
                        a[g + 8][2 * t + 8 + e] = hi[4 * q + 2 + e]
                        b[2 * t + e][g], b[2 * t + 8 + e][g] = wv[4 * q + e], wv[4 * q + 2 + e]
                for lane in range(32):
                    g, t = lane >> 2, lane & 3
                    for e in range(4):
                        row, col = g + 8 * (e >> 1), 2 * t + (e & 1)
                        d[lane][e] += sum(a[row][kk] * b[kk][col] for kk in range(16))
    partial = {}
    for lane in range(32):
        g, t = lane >> 2, lane & 3
        for e in range(4):
            a_row, j = g + 8 * (e >> 1), 2 * t + (e & 1)
            if (a_row >= 8 and not has_hi) or a_row % chunks != j % chunks:
                continue
            key = (j % chunks, j // chunks, a_row // chunks)
            assert key not in partial, f"two lanes write {key}"
            partial[key] = d[lane][e]
    for r in range(tile_rows):
        for i in range(m):
            got = sum(partial[(q, r, i)] for q in range(chunks))
            want = sum(wi * xi for wi, xi in zip(w[r], x[i]))
            assert abs(got - want) < 1e-9, (chunks, m, span, vectors, r, i, got, want)


for chunks in (1, 2, 4, 8):
    for m in range(1, 16 // chunks + 1):
        for span in (1, 2, 4):
            step = 4 * span * chunks
            for vectors in (2 * step, 2 * step + 5):
                check(chunks, m, span, vectors)
print("chunk fragments: every CHUNKS, m, SPAN and K checked")
