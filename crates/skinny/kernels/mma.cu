// Tensor-core GEMV for decode batches (y[m, n] = x[m, k] · W[n, k]ᵀ, m ≤ 16, W "nt").
//
// Why tensor cores at M ≤ 16: on CUDA cores every weight costs m FMAs plus its widening, so at
// m = 8 or 16 the kernel is compute-bound long before it is memory-bound. One mma.sync
// m16n8k16 multiplies a 16×16 tile of x (A, row-major; rows past m are zero) by a 16×8 tile of
// Wᵀ (B, "col": eight rows of W, which is how W is stored) for 4096 FMAs, so the weights cost
// one load and a quarter of an instruction each, whatever m is.
//
// Fragments without shuffles or shared memory: the sum over k does not care in which order the
// k indices come, so each lane loads whole 16-byte vectors and hands them to the mma as whatever
// logical k positions its fragment holds. Lane (g = lane / 4, t = lane % 4) holds, for logical
// k in {2t, 2t+1, 2t+8, 2t+9}, W row g (B) and x rows g and g+8 (A). Mapping those four logical
// positions of sub-step q to the physical elements 4q..4q+3 of a vector depends only on t, so
// A and B agree for every lane that shares a k; and lane t's vectors in a step of 64 k are
// 4h + t (h = 0, 1), so one load instruction reads 64 contiguous bytes of each of 8 rows.
//
// Layout of the work: a block owns TILES tiles of 8 rows of W (8·TILES outputs for every row of
// x) and its WARPS warps split K in steps of 32·SPAN k; each warp keeps UNROLL steps of loads in
// flight. x is read through L1 (every block of an SM reads the same x); W is streamed past L1
// (read once). Partial tiles meet in shared memory and the epilogue (alpha, bias, beta·y) is
// applied in the same kernel. Needs k % 8 == 0 (16-byte rows).
//
// LINES = 1 (twenty-fourth session): W is loaded row-major, as gemv_split loads it, and put into
// fragment order through a warp-private shared tile. Load q of a tile has lane L take vector
// L % (4·SPAN) of row q·32/(4·SPAN) + L / (4·SPAN), so one instruction reads 64·SPAN contiguous
// bytes of each of 32 / (4·SPAN) rows (SPAN = 8: 512 bytes of one row, gemv_split's pattern,
// which keeps DRAM 91 % busy on llama gate_up where the fragment order's 8 rows × 64 bytes keep
// it near 80 %: PERF.md, nineteenth session). The lane then stores its vectors to the tile,
// and reads back row g's vectors 4h + t (rows swizzled: odd rows' vectors XOR 4, so the 8 lanes
// of a read phase hit distinct banks), which is the fragment order: the mmas are unchanged.
// gemv_mma_ring's LINES does the same through its cp.async ring. SPAN 2, 4 or 8.
//
// CHUNKS = C > 1 (twenty-ninth session): a tile is 8 / C rows of W, each cut into C chunks
// along K, and the mma's 8 columns are (row, chunk) pairs, column j = row j / C, chunk j % C; its
// 16 rows of A are (row of x, chunk) pairs, A row a = x row a / C, chunk a % C (so m ≤ 16 / C).
// D[a][j] sums x·W over the k of chunk a % C against those of chunk j % C: only the entries whose
// chunks agree are partial sums of y (a quarter of D at C = 4, an eighth at C = 8), and the
// epilogue adds them over the chunks. A mma still takes 128 weights; what changes is the load
// pattern: the chunks of a step are 64-byte runs side by side (lane (g, t) takes vector
// 4·(g % C) + t of each 4·C), so one instruction reads 64·C contiguous bytes of each of 8 / C
// rows (C = 8: 512 bytes of one row, as dot/m1_xw reads; C = 4: 256 bytes of two rows), and a
// block can be one or two rows, as the CUDA-core kernels that read llama's gate_up fastest are
// (dot/m1_xw 53.8 µs; every tensor-core build of 8 or more rows a block 56.7 or more, s26b).
// A lane's x vectors are the same vectors of its two x rows (a = g and g + 8 share a chunk
// because C divides 8). Not with LINES.
//
// TAIL = 1 (thirtieth session): the steps a warp has left after its last whole batch (at most
// UNROLL of them) are loaded as one checked batch, so they cost one DRAM round trip instead of
// one each. It pays where a warp has several such steps and the SM has few other warps to hide
// them: k = 896 at CHUNKS = 2 (14 steps of 64 k, 4 warps × UNROLL 4: warps 2 and 3 have three
// steps each and no whole batch) took 1×9728×896 from 9.80 to 7.02 µs on the H200. Where each
// warp has one step left (1×896×4864 at CHUNKS = 8) there is nothing to merge. Steps past the
// row read as zero (their mmas add 0).
//
// XPASS = P (thirty-fourth session): with CHUNKS = C, one A holds 16 / C rows of x; P passes
// of A (x rows 16/C·p ..) share each W fragment, with their own accumulators, so m ≤ 16·P / C.
// M = 16 at C = 2 keeps the 128-byte runs of W that c2_m8 reads at M = 8, and blocks of 4 rows,
// at twice the x loads and mmas. Measured on the H200 (PERF.md, s34 calls 2–3): it wins where
// the grid is short (16×896×4864 6.4 µs against 7.1 for 16-row blocks; 16×1024×8192 8.4 against
// cuBLAS's 9.8) and loses where W fills the machine many times over (gate_up, the lm_heads),
// where the extra x loads cost more than the runs give.
//
// Parameters: WARPS, TILES, UNROLL, SPAN, PIPE, MAX_M (≤ 8 / CHUNKS drops the A rows 8..15 at
// compile time), LINES, CHUNKS, MIN_BLOCKS, TAIL, XPASS.

#ifndef WARPS
#define WARPS 4
#endif
#ifndef TILES
#define TILES 1
#endif
#ifndef UNROLL
#define UNROLL 2
#endif
// 16-byte vectors a lane loads from each row per step (a step is 4·SPAN vectors = 32·SPAN k):
// longer runs of each row per step.
#ifndef SPAN
#define SPAN 2
#endif
// 1: double-buffer (the next batch's loads issued before this batch's mmas); 0: load a batch,
// then use it (more loads in flight a register, none during the mmas).
#ifndef PIPE
#define PIPE 1
#endif
constexpr int STEP_VECTORS = 4 * SPAN;
#ifndef CHUNKS
#define CHUNKS 1
#endif
// Rows of W a tile (the mma's 8 columns are rows × chunks) and 16-byte vectors of each row a
// step covers (its chunks side by side).
constexpr int TILE_ROWS = 8 / CHUNKS;
constexpr int ROW_STEP_VECTORS = STEP_VECTORS * CHUNKS;
// The fewest blocks a SM the register budget must allow (0: no promise), as gemv_split's
// MIN_BLOCKS (gemv.cu): a promise is what had ptxas issue a lane's loads together there.
#ifndef MIN_BLOCKS
#define MIN_BLOCKS 0
#endif
#if MIN_BLOCKS > 0
#define MMA_BOUNDS __launch_bounds__(WARPS * 32, MIN_BLOCKS)
#else
#define MMA_BOUNDS __launch_bounds__(WARPS * 32)
#endif
#ifndef MAX_M
#define MAX_M 16
#endif
#ifndef XPASS
#define XPASS 1
#endif
// x rows one pass of A covers.
constexpr int PASS_ROWS = 16 / CHUNKS;
// Whether pass p of A has rows 8..15 (x rows PASS_ROWS·p + 8 / CHUNKS and up).
__host__ __device__ constexpr bool pass_has_hi(int p) { return MAX_M > PASS_ROWS * p + 8 / CHUNKS; }
#ifndef LINES
#define LINES 0
#endif
#ifndef TAIL
#define TAIL 0
#endif
// LINES: rows of W one load instruction covers.
constexpr int LINE_ROWS = 32 / STEP_VECTORS;

// The rest is for 16-bit elements (MMA_AB and mma_16816 are in common.cuh).
#ifdef MMA_AB
// Load order is set by the loop structure below (unconditional loads, double-buffered), not by
// `volatile`: ptxas reorders SASS regardless, and with a bounds check per load it issued each
// load next to its mma (one load in flight a warp, 4-10× slower on the H200, 2026-11-21).

// A 16-byte load that does not allocate in L1: weights are read once and must not evict x.
__device__ __forceinline__ uint4 load_stream(const uint4* p) {
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate" W_PREFETCH ".v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
}

// A 16-byte read-only load through L1 (x: every block of a SM reads it).
__device__ __forceinline__ uint4 load_cached(const uint4* p) {
    uint4 v;
    asm volatile("ld.global.nc.v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
}

// The loads of U steps of 32·SPAN·CHUNKS k (steps s0, s0 + WARPS, ...) for one lane.
template <int U>
struct Batch {
    uint4 w[U][TILES][SPAN], lo[XPASS][U][SPAN], hi[XPASS][U][SPAN];
};

// Where a lane's loads come from. w_row[tile]: the lane's row of W in each tile (LINES: its row
// of load 0); x_lo[p], x_hi[p]: the x rows of its A rows g and g + 8 in pass p (clamped to a
// real row; has_lo, has_hi say whether they are inside m); vectors: 16-byte vectors a row.
struct LaneSources {
    const uint4* w_row[TILES];
    const uint4* x_lo[XPASS];
    const uint4* x_hi[XPASS];
    bool has_lo[XPASS], has_hi[XPASS];
    // off: the lane's first vector in a step, 4·(g % CHUNKS) + t (t = lane % 4): its chunk's
    // 64-byte run, then its place in it.
    int off, vectors;
#if LINES
    // Load h of a tile reads row w_row[tile] + h·LINE_ROWS rows (line_step: LINE_ROWS rows, in
    // vectors); rows past n repeat the last row, so loads past h_max[tile] read load h_max's row
    // (computed, never stored).
    int h_max[TILES];
    size_t line_step;
#endif
};

// What a load_batch call loads: W, x, or both.
enum Parts { LOAD_W = 1, LOAD_X = 2, LOAD_ALL = 3 };

// CHECKED: some vectors may lie past the end of the row; they read as zero.
template <int U, bool CHECKED, int PARTS = LOAD_ALL>
__device__ __forceinline__ void load_batch(Batch<U>& b, const LaneSources& src, int s0) {
    const uint4 zero = make_uint4(0, 0, 0, 0);
    const int off = src.off, vectors = src.vectors;
#pragma unroll
    for (int u = 0; u < U; ++u)
#pragma unroll
        for (int h = 0; h < SPAN; ++h) {
            const int c = ROW_STEP_VECTORS * (s0 + u * WARPS) + 4 * CHUNKS * h + off;
            const bool in = !CHECKED || c < vectors;
            if (PARTS & LOAD_W) {
#if LINES
                // Row-major: load h is vector lane % STEP_VECTORS of row h·LINE_ROWS +
                // lane / STEP_VECTORS (w_row[tile] points at the lane's row of load 0).
                const int lane = threadIdx.x % 32;
                const int cl = STEP_VECTORS * (s0 + u * WARPS) + lane % STEP_VECTORS;
                const bool in_line = !CHECKED || cl < vectors;
#pragma unroll
                for (int tile = 0; tile < TILES; ++tile) {
                    const size_t row = src.line_step * min(h, src.h_max[tile]);
                    b.w[u][tile][h] = in_line ? load_stream(src.w_row[tile] + row + cl) : zero;
                }
#else
#pragma unroll
                for (int tile = 0; tile < TILES; ++tile)
                    b.w[u][tile][h] = in ? load_stream(src.w_row[tile] + c) : zero;
#endif
            }
            if (!(PARTS & LOAD_X)) continue;
            // x rows past m are clamped to a real row, loaded, and zeroed here (a select, not a
            // branch around the load).
#pragma unroll
            for (int p = 0; p < XPASS; ++p) {
                const uint4 lo = in ? load_cached(src.x_lo[p] + c) : zero;
                b.lo[p][u][h] = src.has_lo[p] ? lo : zero;
                if (pass_has_hi(p)) {
                    const uint4 hi = in ? load_cached(src.x_hi[p] + c) : zero;
                    b.hi[p][u][h] = src.has_hi[p] ? hi : zero;
                } else {
                    b.hi[p][u][h] = zero;
                }
            }
        }
}

template <int U>
__device__ __forceinline__ void mma_batch(float (&d)[XPASS][TILES][4], const Batch<U>& b) {
#pragma unroll
    for (int u = 0; u < U; ++u)
#pragma unroll
        for (int h = 0; h < SPAN; ++h)
#pragma unroll
            for (int p = 0; p < XPASS; ++p) {
                const uint4 lv = b.lo[p][u][h], hv = b.hi[p][u][h];
                const u32 lo[4] = {lv.x, lv.y, lv.z, lv.w};
                const u32 hi[4] = {hv.x, hv.y, hv.z, hv.w};
#pragma unroll
                for (int tile = 0; tile < TILES; ++tile) {
                    const uint4 wv = b.w[u][tile][h];
                    const u32 bw[4] = {wv.x, wv.y, wv.z, wv.w};
#pragma unroll
                    for (int q = 0; q < 2; ++q)
                        mma_16816(d[p][tile], lo[2 * q], hi[2 * q], lo[2 * q + 1],
                                  hi[2 * q + 1], bw[2 * q], bw[2 * q + 1]);
                }
            }
}

#if LINES
// A batch's row-major W (LINES) into fragment order, through the warp's shared tile of 8 rows
// × STEP_VECTORS vectors: the lane stores what it loaded, then reads row g's vectors 4h + t.
template <int U>
__device__ __forceinline__ void rows_to_fragments(Batch<U>& b, uint4* tile) {
    static_assert(SPAN == 2 || SPAN == 4 || SPAN == 8, "LINES needs SPAN 2, 4 or 8");
    const int lane = threadIdx.x % 32, g = lane >> 2, t = lane & 3;
    const int v = lane % STEP_VECTORS;
#pragma unroll
    for (int u = 0; u < U; ++u)
#pragma unroll
        for (int ti = 0; ti < TILES; ++ti) {
#pragma unroll
            for (int h = 0; h < SPAN; ++h) {
                const int row = h * LINE_ROWS + lane / STEP_VECTORS;
                tile[row * STEP_VECTORS + (v ^ ((row & 1) << 2))] = b.w[u][ti][h];
            }
            __syncwarp();
#pragma unroll
            for (int h = 0; h < SPAN; ++h)
                b.w[u][ti][h] = tile[g * STEP_VECTORS + ((4 * h + t) ^ ((g & 1) << 2))];
            __syncwarp();  // the tile is refilled by the next (u, tile)
        }
}
#endif

// A loaded batch's mmas (LINES: its W put into fragment order first, through `tile`).
template <int U>
__device__ __forceinline__ void use_batch(float (&d)[XPASS][TILES][4], Batch<U>& b,
                                          uint4* tile) {
#if LINES
    rows_to_fragments(b, tile);
#endif
    mma_batch<U>(d, b);
}

// The body of both entries at the end. EARLY_BIAS: the bias of the one output a thread's
// epilogue writes is requested before W (`bias_requested_early`). An entry of its own
// (gemv_mma_bias), so that the bias-free builds keep their SASS (gemv.cu says why).
template <bool EARLY_BIAS>
__device__ __forceinline__ void mma_rows(const elem_t* __restrict__ x,
                                         const elem_t* __restrict__ w, elem_t* __restrict__ y,
                                         const elem_t* __restrict__ bias, int m, int n, int k,
                                         float alpha, float beta) {
    static_assert(MAX_M >= 1 && MAX_M <= 16, "MAX_M must be in 1..=16");
    static_assert(CHUNKS == 1 || CHUNKS == 2 || CHUNKS == 4 || CHUNKS == 8,
                  "CHUNKS must be 1, 2, 4 or 8");
    static_assert(XPASS >= 1 && XPASS <= CHUNKS, "XPASS must be in 1..=CHUNKS");
    static_assert(MAX_M <= PASS_ROWS * XPASS, "MAX_M must be at most 16·XPASS / CHUNKS");
    static_assert(!LINES || CHUNKS == 1, "LINES and CHUNKS > 1 do not go together");
    constexpr int ROWS = TILE_ROWS * TILES;
    // [warp][chunk][output row of the block][row of x]
    __shared__ float partial[WARPS][CHUNKS][ROWS][16];

    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    const int g = lane >> 2, t = lane & 3;
    const int j0 = blockIdx.x * ROWS;
    const int vectors = k / 8;
    const int steps = (vectors + ROW_STEP_VECTORS - 1) / ROW_STEP_VECTORS;

    // Rows past n repeat the last row: computed, never stored. (LINES: the lane's row of load 0.)
    const int first_row = LINES ? lane / STEP_VECTORS : g / CHUNKS;
    LaneSources src;
#pragma unroll
    for (int tile = 0; tile < TILES; ++tile) {
        const int row = j0 + TILE_ROWS * tile + first_row;
        src.w_row[tile] = reinterpret_cast<const uint4*>(w + (size_t)min(row, n - 1) * k);
#if LINES
        src.h_max[tile] = max(0, (n - 1 - row) / LINE_ROWS);
#endif
    }
#if LINES
    src.line_step = (size_t)LINE_ROWS * vectors;
#endif
    // A rows g and g + 8 of pass p are x rows PASS_ROWS·p + g / CHUNKS and + (g + 8) / CHUNKS.
#pragma unroll
    for (int p = 0; p < XPASS; ++p) {
        const int x_lo = PASS_ROWS * p + g / CHUNKS, x_hi = PASS_ROWS * p + (g + 8) / CHUNKS;
        src.has_lo[p] = x_lo < m;
        src.has_hi[p] = pass_has_hi(p) && x_hi < m;
        src.x_lo[p] = reinterpret_cast<const uint4*>(x + (size_t)min(x_lo, m - 1) * k);
        src.x_hi[p] = reinterpret_cast<const uint4*>(x + (size_t)min(x_hi, m - 1) * k);
    }
    src.off = 4 * (g % CHUNKS) + t;
    src.vectors = vectors;

    float d[XPASS][TILES][4];
#pragma unroll
    for (int p = 0; p < XPASS; ++p)
#pragma unroll
        for (int tile = 0; tile < TILES; ++tile)
#pragma unroll
            for (int e = 0; e < 4; ++e) d[p][tile][e] = 0.0f;
#if LINES
    __shared__ uint4 line_tile[WARPS][8 * STEP_VECTORS];
    uint4* const my_tile = line_tile[warp];
#else
    uint4* const my_tile = nullptr;
#endif

    // Steps whose 64 k are all inside the row run with unconditional loads, double-buffered:
    // the next batch's loads are issued before the current batch's mmas wait on theirs. (With a
    // bounds check per load, or loads and mmas of one batch together, the compiler issued each
    // load next to its mma: one or two loads in flight a warp, 4-10× slower on the H200.) The
    // few steps at the end of K run one at a time with checks.
    // Only where every epilogue thread writes one output.
    constexpr bool bias_early = EARLY_BIAS && ROWS * MAX_M <= WARPS * 32;
    const float early_bias =
        bias_early ? bias_requested_early(bias, j0, ROWS, ROWS * MAX_M, n) : 0.0f;

    const int full_steps = vectors / ROW_STEP_VECTORS;
    const int stride = WARPS * UNROLL;
    int s0 = warp;
#if PIPE
    const bool piped = s0 + (UNROLL - 1) * WARPS < full_steps;
    Batch<UNROLL> cur, next;
#if SKINNY_PDL
    // Under programmatic dependent launch the first batch's W is requested before waiting on
    // the kernel before (weights never depend on it; x may), so that its DRAM round trip
    // overlaps that kernel's tail. Every thread waits, piped or not. (Until the ninth session
    // ptxas hoisted the wait above these loads; `pdl_begin_after_loads` keeps it after them.)
    if (piped) load_batch<UNROLL, false, LOAD_W>(cur, src, s0);
    pdl_begin_after_loads(k > 0);
    if (piped) load_batch<UNROLL, false, LOAD_X>(cur, src, s0);
#else
    if (piped) load_batch<UNROLL, false>(cur, src, s0);
#endif
    if (piped) {
        for (s0 += stride; s0 + (UNROLL - 1) * WARPS < full_steps; s0 += stride) {
            load_batch<UNROLL, false>(next, src, s0);
            use_batch(d, cur, my_tile);
            cur = next;
        }
        use_batch(d, cur, my_tile);
    }
#else
    pdl_begin();
    for (; s0 + (UNROLL - 1) * WARPS < full_steps; s0 += stride) {
        Batch<UNROLL> b;
        load_batch<UNROLL, false>(b, src, s0);
        use_batch(d, b, my_tile);
    }
#endif
#if TAIL
    // What is left (s0 + (UNROLL - 1)·WARPS ≥ full_steps ≥ steps - 1, so at most UNROLL steps).
    if (s0 < steps) {
        Batch<UNROLL> b;
        load_batch<UNROLL, true>(b, src, s0);
        use_batch(d, b, my_tile);
    }
#else
    for (; s0 < steps; s0 += WARPS) {
        Batch<1> b;
        load_batch<1, true>(b, src, s0);
        use_batch(d, b, my_tile);
    }
#endif

    // d[p][tile] = {D[g][2t], D[g][2t+1], D[g+8][2t], D[g+8][2t+1]} of pass p. A row a is x
    // row PASS_ROWS·p + a / CHUNKS, chunk a % CHUNKS; column j is row j / CHUNKS of the tile,
    // chunk j % CHUNKS. Only the entries whose chunks agree are sums of x·W (at CHUNKS = 1 all
    // of them: D[row of x][row of W]); each (chunk, row, x row) has exactly one.
#pragma unroll
    for (int p = 0; p < XPASS; ++p)
#pragma unroll
        for (int tile = 0; tile < TILES; ++tile)
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int a = g + 8 * (e >> 1), j = 2 * t + (e & 1);
                if ((a >= 8 && !pass_has_hi(p)) || a % CHUNKS != j % CHUNKS) continue;
                partial[warp][j % CHUNKS][TILE_ROWS * tile + j / CHUNKS]
                       [PASS_ROWS * p + a / CHUNKS] = d[p][tile][e];
            }
    __syncthreads();

    for (int o = threadIdx.x; o < ROWS * m; o += WARPS * 32) {
        const int i = o / ROWS, r = o % ROWS, j = j0 + r;
        if (j >= n) continue;
        float s = 0.0f;
#pragma unroll
        for (int v = 0; v < WARPS; ++v)
#pragma unroll
            for (int q = 0; q < CHUNKS; ++q) s += partial[v][q][r][i];
        s *= alpha;
        // With bias_early, o is this thread's index, so early_bias is row r's bias.
        if (bias != nullptr) s += bias_early ? early_bias : to_f32(bias[j]);
        const size_t at = (size_t)i * n + j;
        if (beta != 0.0f) s += beta * to_f32(y[at]);
        y[at] = from_f32(s);
    }
}

extern "C" __global__ void MMA_BOUNDS
gemv_mma(const elem_t* __restrict__ x, const elem_t* __restrict__ w, elem_t* __restrict__ y,
         const elem_t* __restrict__ bias, int m, int n, int k, float alpha, float beta) {
    mma_rows<false>(x, w, y, bias, m, n, k, alpha, beta);
}

// gemv_mma for problems with a bias: the bias requested before W.
extern "C" __global__ void MMA_BOUNDS
gemv_mma_bias(const elem_t* __restrict__ x, const elem_t* __restrict__ w, elem_t* __restrict__ y,
              const elem_t* __restrict__ bias, int m, int n, int k, float alpha, float beta) {
    mma_rows<true>(x, w, y, bias, m, n, k, alpha, beta);
}
#endif
