// Tensor-core GEMV for decode batches, loads through a shared-memory ring (y[m, n] = x[m, k] ·
// W[n, k]ᵀ, m ≤ 16, W "nt").
//
// Why: gemv_mma (mma.cu) reads llama's gate_up at 62 µs where dot/m1 takes 54, and loses to
// cuBLAS at every m ≥ 2 on the largest shapes (fourteenth session). Here every lane copies its
// vectors with cp.async into a ring of STAGES steps a warp in shared memory, so what is in flight
// costs shared memory, not registers: STAGES − 1 steps a warp are requested while one is used.
// Fifteenth session: that alone did not help (in flight was not what held gemv_mma). What did was
// LINES below: ncu showed the fragment order asking the L2 for 64-byte half lines (2 sectors a
// request) where cuBLAS and dot/m1 ask for whole 128-byte lines, and DRAM idle a fifth of the time.
// With LINES and ROTATE the ring beats cuBLAS at m = 2..8 on llama down, o and lm_head; small
// rings (STAGES = 3) do the same on qwen's short rows. PERF.md, fifteenth session.
//
// Same fragment scheme as gemv_mma: lane (g = lane / 4, t = lane % 4) holds W row g and x rows
// g and g + 8 at the logical k positions of its t; its vectors of a step of 32·SPAN k are
// 4h + t (h < SPAN), so one copy instruction reads 64 contiguous bytes of each of 8 rows. Without
// LINES a lane reads back only the slots it filled itself, so no barrier is needed between copy
// and use: cp.async.wait_group orders them for the thread (LINES adds a __syncwarp, below).
// Vectors past the end of a row, and the x rows past m, are copied with source size 0
// (zero-filled, nothing read).
//
// Ring layout, per warp: [STAGES][RING_SLOTS][32 lanes] of 16 bytes, so each copy and each
// read-back instruction covers 512 contiguous bytes of shared memory (no bank conflicts).
//
// ROTATE = 1: block b walks its steps starting from step (b · 7) mod steps, wrapping round, so
// that the blocks in flight request different columns of their rows at the same moment (with
// all blocks starting at column 0, every request of the machine falls in the same few KB of
// each 8 KB row). Measured: 16-row tiles gained up to 6 % on llama gate_up, 8-row tiles ≈ 1 %.
//
// LINES = 1: W is copied row-major instead of in fragment order: copy instruction q of a tile has
// lane L take vector (32q + L) of the tile's 8 rows × 4·SPAN vectors, so one instruction reads
// 128·SPAN/2 contiguous bytes of each of 32 / (4·SPAN) rows (SPAN = 2: 4 rows × 128 bytes, whole
// L2 lines) where the fragment order reads 8 rows × 64 bytes (half lines). Lanes then read
// vectors other lanes copied (a __syncwarp after the wait); rows are swizzled (odd rows' vectors
// XOR 4) so that the 8 lanes of a read phase (two rows, four t) hit distinct banks. SPAN ≥ 2.
// Measured: 5–10 % on 16-row tiles (llama lm_head at m = 8: 267.6 → 240.2 µs).
//
// XRES > 0 (sixteenth session): x is copied whole into shared memory once a block (rows past m
// and vectors past k zero, row r's vector v at v ^ 4·(r & 1)), the ring carries W only, and the
// host launches at most XRES blocks a SM, each walking row tiles blockIdx.x, + gridDim.x, ...
// with one barrier a tile (partial sums double-buffered by tile parity). Measured: x's L2
// traffic gone, 1–7 % gained at m = 16, still behind cuBLAS (PERF.md, sixteenth session).
//
// Parameters: WARPS, TILES, SPAN, STAGES, MAX_M (≤ 8 drops the x rows 8..15 at compile time),
// ROTATE, LINES, XRES.

#ifndef WARPS
#define WARPS 4
#endif
#ifndef TILES
#define TILES 2
#endif
#ifndef SPAN
#define SPAN 2
#endif
#ifndef STAGES
#define STAGES 4
#endif
#ifndef MAX_M
#define MAX_M 8
#endif
#ifndef ROTATE
#define ROTATE 0
#endif
#ifndef LINES
#define LINES 0
#endif
#ifndef XRES
#define XRES 0
#endif

#ifdef MMA_AB
constexpr int RING_STEP_VECTORS = 4 * SPAN;
// x vectors a lane copies a step: rows g (lo) and, for m > 8, g + 8 (hi); none with XRES (x
// lives in shared memory whole).
constexpr int RING_X_PARTS = XRES ? 0 : (MAX_M > 8 ? 2 : 1);
// Rows of x kept in shared memory with XRES (rows past m are zeros there).
constexpr int X_ROWS = MAX_M > 8 ? 16 : 8;
// Slots of 16 bytes a lane fills a step: W of every tile, then x.
constexpr int RING_SLOTS = (TILES + RING_X_PARTS) * SPAN;

// 16 bytes global → shared, bypassing L1 (W: read once). `bytes` 0 writes zeros, reads nothing.
__device__ __forceinline__ void copy_stream(u32 dst, const void* src, u32 bytes) {
    asm volatile("cp.async.cg.shared.global" W_PREFETCH " [%0], [%1], 16, %2;"
                 :
                 : "r"(dst), "l"(src), "r"(bytes)
                 : "memory");
}

// 16 bytes global → shared through L1 (x: every block of a SM reads it).
__device__ __forceinline__ void copy_cached(u32 dst, const void* src, u32 bytes) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 16, %2;" ::"r"(dst), "l"(src), "r"(bytes)
                 : "memory");
}

__device__ __forceinline__ void copy_commit() {
    asm volatile("cp.async.commit_group;" ::: "memory");
}

// Wait until at most `pending` of this thread's groups are still in flight.
template <int pending>
__device__ __forceinline__ void copy_wait() {
    asm volatile("cp.async.wait_group %0;" ::"n"(pending) : "memory");
}

extern "C" __global__ void __launch_bounds__(WARPS * 32)
gemv_mma_ring(const elem_t* __restrict__ x, const elem_t* __restrict__ w, elem_t* __restrict__ y,
              const elem_t* __restrict__ bias, int m, int n, int k, float alpha, float beta) {
    static_assert(MAX_M >= 1 && MAX_M <= 16, "MAX_M must be in 1..=16");
    static_assert(STAGES >= 2, "a ring needs at least two stages");
    static_assert(!LINES || SPAN >= 2, "LINES needs SPAN >= 2 (the swizzle XORs vector 4)");
    constexpr int ROWS = 8 * TILES;
    // [tile parity (XRES: the next tile's partials are written while this one is summed)]
    // [warp][output row of the block][row of x]
    __shared__ float partial[XRES ? 2 : 1][WARPS][ROWS][16];
    extern __shared__ uint4 dynamic_shared[];

    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    const int g = lane >> 2, t = lane & 3;
    const int vectors = k / 8;
    const int steps = (vectors + RING_STEP_VECTORS - 1) / RING_STEP_VECTORS;
    // Steps of this warp in each tile: warp, warp + WARPS, ...
    const int my_steps = warp < steps ? (steps - warp + WARPS - 1) / WARPS : 0;
    // Tiles of this block: blockIdx.x, + gridDim.x, ... (one, without XRES: the grid covers them).
    const int tiles = (n + ROWS - 1) / ROWS;
    const int my_tiles = (int)blockIdx.x < tiles
                             ? (tiles - (int)blockIdx.x + (int)gridDim.x - 1) / (int)gridDim.x
                             : 0;
    const int items = my_tiles * my_steps;

    // Block b's walk along K in tile `tile` starts at step (tile · 7) mod steps with ROTATE.
    auto rotation_of = [&](int tile) {
        return ROTATE && steps > 0 ? (int)(((unsigned)tile * 7u) % (unsigned)steps) : 0;
    };
    // The step of K that this warp takes as its si-th in a tile rotated by `rotation` (< steps).
    auto step_at = [&](int si, int rotation) {
        const int s = warp + si * WARPS + rotation;
        return s >= steps ? s - steps : s;
    };

#if XRES
    // x, whole, once a block: X_ROWS rows (zero past m and past k) of x_stride vectors, row r's
    // vector v stored at v ^ 4·(r & 1), so that the 8 lanes of a read phase (rows g, g + 1 at
    // four t) hit distinct banks.
    const int x_stride = (vectors + 8 * SPAN - 1) / (8 * SPAN) * (8 * SPAN);
    uint4* xs = dynamic_shared;
    uint4* ring = dynamic_shared + (size_t)X_ROWS * x_stride;
#else
    uint4* ring = dynamic_shared;
    const u32 lo_bytes = g < m ? 16 : 0;
    const u32 hi_bytes = g + 8 < m ? 16 : 0;
    const uint4* x_lo = reinterpret_cast<const uint4*>(x + (size_t)min(g, m - 1) * k);
    const uint4* x_hi = reinterpret_cast<const uint4*>(x + (size_t)min(g + 8, m - 1) * k);
#endif

#if LINES
    // Row-major copies: instruction q takes element 32q + lane of a tile's 8 × 4·SPAN vectors.
    constexpr int ROW_VECTORS = 4 * SPAN;
    int line_r[SPAN], line_v[SPAN];
    u32 line_dst[SPAN];  // byte offset inside a tile's W region
#pragma unroll
    for (int q = 0; q < SPAN; ++q) {
        const int e = 32 * q + lane, r = e / ROW_VECTORS, v = e % ROW_VECTORS;
        line_r[q] = r;
        line_v[q] = v;
        line_dst[q] = (u32)((r * ROW_VECTORS + (v ^ ((r & 1) << 2))) * 16);
    }
    // Where lane (g, t) finds its vector 4h + t of row g.
    const int read_row = g * ROW_VECTORS;
    const int read_xor = (g & 1) << 2;
#endif

    // This lane's slot v of stage slot s:
    // ring + ((warp · STAGES + s) · RING_SLOTS + v) · 32 + lane.
    const u32 ring_base = shared_address(ring + (size_t)warp * STAGES * RING_SLOTS * 32 + lane);

    pdl_begin();

    // Request item i into ring slot i % STAGES (nothing past the last item; the group is still
    // committed so that group i is always item i). Rows past n repeat the last row: computed,
    // never stored.
    // Where the next request falls: step req_si of the warp in the block's tile req_tile.
    int req_si = 0, req_tile = (int)blockIdx.x, req_rotation = rotation_of(req_tile);
    auto request = [&](int i) {
        if (i < items) {
            const int j0 = req_tile * ROWS;
            const int s = step_at(req_si, req_rotation);
            if (++req_si == my_steps) {
                req_si = 0;
                req_tile += (int)gridDim.x;
                req_rotation = rotation_of(req_tile);
            }
            const u32 slot = ring_base + (u32)((i % STAGES) * RING_SLOTS * 32 * 16);
#if LINES
            const u32 w_region = slot - (u32)(lane * 16);  // the warp's slot, not the lane's
#pragma unroll
            for (int q = 0; q < SPAN; ++q) {
                const int c = RING_STEP_VECTORS * s + line_v[q];
                const bool in = c < vectors;
#pragma unroll
                for (int tile = 0; tile < TILES; ++tile) {
                    const uint4* row = reinterpret_cast<const uint4*>(
                        w + (size_t)min(j0 + 8 * tile + line_r[q], n - 1) * k);
                    copy_stream(w_region + (u32)(tile * SPAN * 32 * 16) + line_dst[q],
                                row + (in ? c : 0), in ? 16 : 0);
                }
            }
#endif
#pragma unroll
            for (int h = 0; h < SPAN; ++h) {
                const int c = RING_STEP_VECTORS * s + 4 * h + t;
                const bool in = c < vectors;
                const int cc = in ? c : 0;
#if !LINES
#pragma unroll
                for (int tile = 0; tile < TILES; ++tile) {
                    const uint4* row = reinterpret_cast<const uint4*>(
                        w + (size_t)min(j0 + 8 * tile + g, n - 1) * k);
                    copy_stream(slot + (u32)((tile * SPAN + h) * 32 * 16), row + cc, in ? 16 : 0);
                }
#endif
#if !XRES
                copy_cached(slot + (u32)(((TILES * SPAN) + h) * 32 * 16), x_lo + cc,
                            in ? lo_bytes : 0);
                if (MAX_M > 8)
                    copy_cached(slot + (u32)(((TILES + 1) * SPAN + h) * 32 * 16), x_hi + cc,
                                in ? hi_bytes : 0);
#else
                (void)cc;
#endif
            }
        }
        copy_commit();
    };

#pragma unroll
    for (int i = 0; i < STAGES - 1; ++i) request(i);

#if XRES
    // While the first W steps are in flight: x into shared memory (plain loads; every thread
    // of the block reads it back, hence the barrier).
    for (int e = threadIdx.x; e < X_ROWS * x_stride; e += WARPS * 32) {
        const int r = e / x_stride, v = e - r * x_stride;
        uint4 value = make_uint4(0, 0, 0, 0);
        if (r < m && v < vectors) value = reinterpret_cast<const uint4*>(x + (size_t)r * k)[v];
        xs[r * x_stride + (v ^ ((r & 1) << 2))] = value;
    }
    __syncthreads();
    const uint4* xs_lo = xs + (size_t)g * x_stride;
    const uint4* xs_hi = xs + (size_t)(g + 8) * x_stride;
    const int xs_xor = (g & 1) << 2;  // rows g and g + 8 have the same parity
#endif

    const uint4* my_ring = ring + (size_t)warp * STAGES * RING_SLOTS * 32 + lane;
    int i = 0;
    for (int ti = 0; ti < my_tiles; ++ti) {
        const int tile_index = (int)blockIdx.x + ti * (int)gridDim.x;
        const int rotation = rotation_of(tile_index);
        (void)rotation;  // x's step (XRES); the ring's requests track their own
        float d[TILES][4];
#pragma unroll
        for (int tile = 0; tile < TILES; ++tile)
#pragma unroll
            for (int e = 0; e < 4; ++e) d[tile][e] = 0.0f;

        for (int si = 0; si < my_steps; ++si, ++i) {
            copy_wait<STAGES - 2>();
#if LINES
            // Other lanes' copies of this stage are read below; their reads of the slot refilled
            // next ended before this point (their mmas used them last iteration).
            __syncwarp();
#endif
            // The slot refilled now was read back (into registers, used by mmas) last iteration.
            request(i + STAGES - 1);
            const uint4* slot = my_ring + (size_t)(i % STAGES) * RING_SLOTS * 32;
#if XRES
            const int x_base = RING_STEP_VECTORS * step_at(si, rotation);
#endif
#pragma unroll
            for (int h = 0; h < SPAN; ++h) {
#if XRES
                const int c = (x_base + 4 * h + t) ^ xs_xor;
                const uint4 lo = xs_lo[c];
                const uint4 hi = MAX_M > 8 ? xs_hi[c] : make_uint4(0, 0, 0, 0);
#else
                const uint4 lo = slot[(TILES * SPAN + h) * 32];
                const uint4 hi =
                    MAX_M > 8 ? slot[((TILES + 1) * SPAN + h) * 32] : make_uint4(0, 0, 0, 0);
#endif
                const u32 a_lo[4] = {lo.x, lo.y, lo.z, lo.w};
                const u32 a_hi[4] = {hi.x, hi.y, hi.z, hi.w};
#pragma unroll
                for (int tile = 0; tile < TILES; ++tile) {
#if LINES
                    const uint4 wv =
                        (slot - lane)[tile * SPAN * 32 + read_row + ((4 * h + t) ^ read_xor)];
#else
                    const uint4 wv = slot[(tile * SPAN + h) * 32];
#endif
                    const u32 bw[4] = {wv.x, wv.y, wv.z, wv.w};
#pragma unroll
                    for (int q = 0; q < 2; ++q)
                        mma_16816(d[tile], a_lo[2 * q], a_hi[2 * q], a_lo[2 * q + 1],
                                  a_hi[2 * q + 1], bw[2 * q], bw[2 * q + 1]);
                }
            }
        }

        // d[tile] = {D[g][2t], D[g][2t+1], D[g+8][2t], D[g+8][2t+1]}: D[row of x][row of W].
        float (*part)[ROWS][16] = partial[XRES ? (ti & 1) : 0];
#pragma unroll
        for (int tile = 0; tile < TILES; ++tile) {
            const int r = 8 * tile + 2 * t;
            part[warp][r][g] = d[tile][0];
            part[warp][r + 1][g] = d[tile][1];
            if (MAX_M > 8) {
                part[warp][r][g + 8] = d[tile][2];
                part[warp][r + 1][g + 8] = d[tile][3];
            }
        }
        // One barrier a tile: the other parity's partials, summed after the previous barrier,
        // are written again only after the next one.
        __syncthreads();

        const int j0 = tile_index * ROWS;
        for (int o = threadIdx.x; o < ROWS * m; o += WARPS * 32) {
            const int row = o / ROWS, r = o % ROWS, j = j0 + r;
            if (j >= n) continue;
            float s = 0.0f;
#pragma unroll
            for (int v = 0; v < WARPS; ++v) s += part[v][r][row];
            s *= alpha;
            if (bias != nullptr) s += to_f32(bias[j]);
            const size_t at = (size_t)row * n + j;
            if (beta != 0.0f) s += beta * to_f32(y[at]);
            y[at] = from_f32(s);
        }
    }
    copy_wait<0>();
}
#endif
