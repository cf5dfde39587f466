// Tensor-core GEMV with the CUDA-core kernels' memory side (y[m, n] = x[m, k] · W[n, k]ᵀ,
// m ≤ 16, W row-major "nt").
//
// Why: gemv_mma (mma.cu) hands each lane's 16-byte loads straight to the mma, which ties the
// load pattern to the fragment's: one load instruction reads 64 bytes of each of 8 rows. On
// llama's large shapes it runs at 72–91 % of the read bandwidth at every m, M = 1 included, where
// dot/m1 (a warp reads 512 contiguous bytes of one row an instruction) runs at 88–100 %; at
// M = 8 cuBLAS beats it by 3–9 % (thirteenth session). Here W is read exactly as dot/m1 reads it
// and reaches the tensor cores through shared memory: the lanes of a warp load 32 consecutive
// 16-byte vectors of each of the block's rows, store them to the warp's own tile, and `ldmatrix`
// hands back the mma's B fragments. No block-wide barrier until the epilogue.
//
// Fragments: ldmatrix gives lane (g = lane / 4, t = lane % 4) the elements 2t, 2t + 1 of row g
// of an 8×8 matrix. With the matrix = 8 rows of W × one 16-byte vector V, that is W[g][8V + 2t..].
// One m16n8k16 takes two vectors V0, V1 as its k = 0..7 and 8..15, so the A fragment (x rows g
// and g + 8) is x[g][8V0 + 2t..] and x[g][8V1 + 2t..]: 4-byte loads of x through L1, which every
// block of a SM shares.
//
// A warp's tile: [8 rows][32 vectors] of 16 bytes, vector v of row r at slot v ^ r: the lanes'
// stores (one row, 32 vectors) and ldmatrix (8 rows, one vector) both touch 8 distinct 16-byte
// bank groups a phase, so neither has bank conflicts.
//
// Layout of the work: a block owns TILES tiles of 8 rows of W; its WARPS warps take turns along
// K in runs of 32 vectors (256 k), each warp loading UNROLL runs of every row at once before
// using any. Partial tiles meet in shared memory; the epilogue (alpha, bias, beta·y) is applied
// in the same kernel. Under PDL a warp's first runs of W are requested before the wait. Needs
// k % 8 == 0 (16-byte rows).
//
// Parameters: WARPS, TILES (WARPS · TILES ≤ 10: the tiles are static shared memory), UNROLL,
// MAX_M (≤ 8 drops the x rows 8..15 at compile time), MIN_BLOCKS.

#ifndef WARPS
#define WARPS 8
#endif
#ifndef TILES
#define TILES 1
#endif
#ifndef UNROLL
#define UNROLL 2
#endif
#ifndef MAX_M
#define MAX_M 16
#endif
#ifndef MIN_BLOCKS
#define MIN_BLOCKS 0
#endif
// 1: x's run staged in shared memory like W's and the A fragments taken by ldmatrix; 0: 4-byte
// loads of x through L1 per fragment.
#ifndef XSMEM
#define XSMEM 0
#endif
// 1: the next batch's W requested before the current one is used (registers double-buffered).
#ifndef PIPE
#define PIPE 0
#endif
// Rows of x a run stages (the A tile's rows that can be non-zero).
#define X_ROWS (MAX_M > 8 ? 16 : 8)

#if MIN_BLOCKS > 0
#define ROWS_BOUNDS __launch_bounds__(WARPS * 32, MIN_BLOCKS)
#else
#define ROWS_BOUNDS __launch_bounds__(WARPS * 32)
#endif

#ifdef MMA_AB
// Vectors of a row one warp loads a run: one a lane.
#define RUN 32

// A 16-byte load that does not allocate in L1: weights are read once and must not evict x.
__device__ __forceinline__ uint4 load_w_vector(const uint4* p) {
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
}

// Two 16-bit elements of x (4-byte aligned: k is even and the pair starts at an even index).
__device__ __forceinline__ u32 load_x_pair(const elem_t* p) {
    return __ldg(reinterpret_cast<const unsigned int*>(p));
}

__device__ __forceinline__ void store_shared(u32 address, uint4 v) {
    asm volatile("st.shared.v4.u32 [%0], {%1, %2, %3, %4};" ::"r"(address), "r"(v.x), "r"(v.y),
                 "r"(v.z), "r"(v.w)
                 : "memory");
}

__device__ __forceinline__ void ldmatrix_x4(u32 (&r)[4], u32 address) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(address)
                 : "memory");
}

extern "C" __global__ void ROWS_BOUNDS
gemv_mma_rows(const elem_t* __restrict__ x, const elem_t* __restrict__ w, elem_t* __restrict__ y,
              const elem_t* __restrict__ bias, int m, int n, int k, float alpha, float beta) {
    static_assert(MAX_M >= 1 && MAX_M <= 16, "MAX_M must be in 1..=16");
    static_assert(WARPS * (4 * TILES + (XSMEM ? X_ROWS / 2 : 0)) <= 44,
                  "the warps' tiles must fit 48 KB of static shared memory");
#if !SKINNY_PDL
    pdl_begin();
#endif
    constexpr int ROWS = 8 * TILES;
    // [warp][tile][row][slot]: a warp's runs of its block's rows, swizzled (slot = vector ^ row).
    __shared__ __align__(16) uint4 runs[WARPS][TILES][8][RUN];
#if XSMEM
    // [warp][row of x][slot]: the warp's run of x, swizzled as the runs of W.
    __shared__ __align__(16) uint4 x_runs[WARPS][X_ROWS][RUN];
#endif
    // [warp][output row of the block][row of x]
    __shared__ float partial[WARPS][ROWS][16];

    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    const int g = lane >> 2, t = lane & 3;
    const int j0 = blockIdx.x * ROWS;
    const int vectors = k / 8;

    const bool has_lo = g < m;
    const bool has_hi = MAX_M > 8 && g + 8 < m;
    const elem_t* x_lo = x + (size_t)min(g, m - 1) * k + 2 * t;
    const elem_t* x_hi = x + (size_t)min(g + 8, m - 1) * k + 2 * t;

    float d[TILES][4];
#pragma unroll
    for (int tile = 0; tile < TILES; ++tile)
#pragma unroll
        for (int e = 0; e < 4; ++e) d[tile][e] = 0.0f;

    const u32 my_runs = shared_address(&runs[warp][0][0][0]);
#if XSMEM
    const u32 my_x = shared_address(&x_runs[warp][0][0]);
#endif
    // Vectors between one run of a warp and its next.
    const int stride = WARPS * RUN;

    // Each tile's first row, and its last row inside W: rows past n repeat the last row
    // (computed, never stored). One pointer a tile and 32-bit row offsets keep the registers
    // for the loads.
    const uint4* tile_w[TILES];
    int last[TILES];
#pragma unroll
    for (int tile = 0; tile < TILES; ++tile) {
        const int first = min(j0 + 8 * tile, n - 1);
        tile_w[tile] = reinterpret_cast<const uint4*>(w + (size_t)first * k);
        last[tile] = min(7, n - 1 - first);
    }

    // The lane's vector of each row in the warp's UNROLL runs from `c0`; zeros past the row.
    auto load_w = [&](uint4 (&wv)[UNROLL][TILES][8], int c0) {
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const int c = c0 + u * stride + lane;
#pragma unroll
            for (int tile = 0; tile < TILES; ++tile)
#pragma unroll
                for (int r = 0; r < 8; ++r) {
                    const uint4* at = tile_w[tile] + (min(r, last[tile]) * vectors + c);
                    wv[u][tile][r] = c < vectors ? load_w_vector(at) : make_uint4(0, 0, 0, 0);
                }
        }
    };
    // The runs loaded from `c0` through the tiles and the tensor cores, into d.
    auto use_runs = [&](const uint4 (&wv)[UNROLL][TILES][8], int c0) {
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const int run = c0 + u * stride;
            if (run >= vectors) break;  // the same for the whole warp
#pragma unroll
            for (int tile = 0; tile < TILES; ++tile)
#pragma unroll
                for (int r = 0; r < 8; ++r)
                    store_shared(my_runs + (((tile * 8 + r) * RUN + (lane ^ r)) * 16), wv[u][tile][r]);
#if XSMEM
            // x's run, every row of the A tile (zeros past m and past the row), the same way.
            {
                const int c = run + lane;
#pragma unroll
                for (int i = 0; i < X_ROWS; ++i) {
                    const uint4 v = i < m && c < vectors
                                        ? __ldg(reinterpret_cast<const uint4*>(x + (size_t)i * k) + c)
                                        : make_uint4(0, 0, 0, 0);
                    store_shared(my_x + ((i * RUN + (lane ^ (i & 7))) * 16), v);
                }
            }
#endif
            __syncwarp();
            // Two matrices' worth at a time: unrolled further, ptxas hoists every x load of the
            // run (32 registers more) and spills.
#pragma unroll 2
            for (int p = 0; p < RUN / 4; ++p) {
                // Lanes 8q..8q+7 address the rows of matrix q: vector 4p + q.
                u32 b[TILES][4];
                const int row = lane & 7, vector = 4 * p + (lane >> 3);
#pragma unroll
                for (int tile = 0; tile < TILES; ++tile)
                    ldmatrix_x4(b[tile], my_runs + (((tile * 8 + row) * RUN + (vector ^ row)) * 16));
#if XSMEM
                // A fragments of the four vectors: x rows 0..7 (and 8..15).
                u32 lo[4], hi[4] = {0u, 0u, 0u, 0u};
                ldmatrix_x4(lo, my_x + ((row * RUN + (vector ^ row)) * 16));
                if (X_ROWS > 8) ldmatrix_x4(hi, my_x + (((8 + row) * RUN + (vector ^ row)) * 16));
#endif
#pragma unroll
                for (int h = 0; h < 2; ++h) {
#if XSMEM
                    const u32 a0 = lo[2 * h], a2 = lo[2 * h + 1], a1 = hi[2 * h], a3 = hi[2 * h + 1];
#else
                    const int v0 = run + 4 * p + 2 * h, v1 = v0 + 1;
                    // x past the row (or past m) is zero: the W there is zero, and 0·garbage
                    // need not be.
                    const u32 a0 = has_lo && v0 < vectors ? load_x_pair(x_lo + 8 * v0) : 0u;
                    const u32 a2 = has_lo && v1 < vectors ? load_x_pair(x_lo + 8 * v1) : 0u;
                    u32 a1 = 0u, a3 = 0u;
                    if (MAX_M > 8) {
                        a1 = has_hi && v0 < vectors ? load_x_pair(x_hi + 8 * v0) : 0u;
                        a3 = has_hi && v1 < vectors ? load_x_pair(x_hi + 8 * v1) : 0u;
                    }
#endif
#pragma unroll
                    for (int tile = 0; tile < TILES; ++tile)
                        mma_16816(d[tile], a0, a1, a2, a3, b[tile][2 * h], b[tile][2 * h + 1]);
                }
            }
            __syncwarp();  // the tiles are overwritten by the next run
        }
    };

    int c0 = warp * RUN;
    const int batch = stride * UNROLL;
    uint4 cur[UNROLL][TILES][8];
    // The first runs' W (under PDL before the wait: W never depends on the kernel before; x may).
    load_w(cur, c0);
#if SKINNY_PDL
    pdl_begin_after_loads(k > 0);
#endif
#if PIPE
    // The next batch's W is requested before this one is used.
    for (;;) {
        uint4 next[UNROLL][TILES][8];
        const bool more = c0 + batch < vectors;  // the same for the whole warp
        if (more) load_w(next, c0 + batch);
        use_runs(cur, c0);
        if (!more) break;
        c0 += batch;
#pragma unroll
        for (int u = 0; u < UNROLL; ++u)
#pragma unroll
            for (int tile = 0; tile < TILES; ++tile)
#pragma unroll
                for (int r = 0; r < 8; ++r) cur[u][tile][r] = next[u][tile][r];
    }
#else
    use_runs(cur, c0);
    for (c0 += batch; c0 < vectors; c0 += batch) {
        load_w(cur, c0);
        use_runs(cur, c0);
    }
#endif

    // d[tile] = {D[g][2t], D[g][2t+1], D[g+8][2t], D[g+8][2t+1]}: D[row of x][row of W].
#pragma unroll
    for (int tile = 0; tile < TILES; ++tile) {
        const int r = 8 * tile + 2 * t;
        partial[warp][r][g] = d[tile][0];
        partial[warp][r + 1][g] = d[tile][1];
        if (MAX_M > 8) {
            partial[warp][r][g + 8] = d[tile][2];
            partial[warp][r + 1][g + 8] = d[tile][3];
        }
    }
    __syncthreads();

    for (int o = threadIdx.x; o < ROWS * m; o += WARPS * 32) {
        const int i = o / ROWS, r = o % ROWS, j = j0 + r;
        if (j >= n) continue;
        float s = 0.0f;
#pragma unroll
        for (int v = 0; v < WARPS; ++v) s += partial[v][r][i];
        s *= alpha;
        if (bias != nullptr) s += to_f32(bias[j]);
        const size_t at = (size_t)i * n + j;
        if (beta != 0.0f) s += beta * to_f32(y[at]);
        y[at] = from_f32(s);
    }
}
#endif
