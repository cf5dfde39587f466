// GEMV family for decode (y[m, n] = x[m, k] · W[n, k]ᵀ, W row-major "nt").
//
// Versions:
// - gemv_baseline: one warp per output element y[i, j]; the warp walks row j of W with 16-byte
//   loads (8 elements a lane), multiplies by x[i], accumulates in f32 and reduces with shuffles.
//   Rows of x are blockIdx.y, so at m > 1 each row re-reads W (from L2 if it fits). The
//   yardstick the kernel family must beat. Needs k % 8 == 0 (16-byte aligned rows).
//   Seventh session, X_WITH_W = 1: the x loads are issued with the W loads, BASELINE_UNROLL of
//   each a lane at once. Written as a plain loop (X_WITH_W = 0), the SASS has the compiler hoist
//   the W loads but issue each x load after the branch of its unrolled step, one x round trip
//   after another once W has landed. Measured (PERF.md, seventh session): a gain in blocks of
//   one warp (gemv/baseline_t32), a loss in blocks of 8 warps, so it is a parameter.
//
// Every kernel here waits for the kernel before it in the stream before touching x or y
// (programmatic dependent launch; `pdl_begin` in common.cuh). Ninth session: under PDL
// (EARLY_W below) a lane first requests its first step of W, which never depends on the kernel
// before, so that the DRAM round trip of a small product overlaps the previous kernel's tail.
// (The third session tried this and ptxas hoisted the wait above the loads; `pdl_begin_after_loads`
// keeps it after them.) Twenty-second session: gemv_split_bias (gemv_split's entry for problems
// with a bias) requests its bias, a weight too, with that first W.
//
// Parameters: THREADS (block size, a multiple of 32), X_WITH_W (0 or 1; gemv_split too).

#ifndef THREADS
#define THREADS 256
#endif
#ifndef X_WITH_W
#define X_WITH_W 0
#endif
// With X_WITH_W: loads of W (and as many of x) a lane issues before using any.
#define BASELINE_UNROLL 4

extern "C" __global__ void __launch_bounds__(THREADS)
gemv_baseline(const elem_t* __restrict__ x, const elem_t* __restrict__ w,
              elem_t* __restrict__ y, int n, int k) {
#define BASELINE_EARLY_W (SKINNY_PDL && X_WITH_W)
#if !BASELINE_EARLY_W
    pdl_begin();
#endif
    const int warps_per_block = THREADS / 32;
    const int lane = threadIdx.x % 32;
    const int j = blockIdx.x * warps_per_block + threadIdx.x / 32;
    const int i = blockIdx.y;
    if (j >= n) return;
    const uint4* w_row = reinterpret_cast<const uint4*>(w + (size_t)j * k);
    const uint4* x_row = reinterpret_cast<const uint4*>(x + (size_t)i * k);
    const int vectors = k / 8;
    float acc = 0.0f;
#if !X_WITH_W
    for (int c = lane; c < vectors; c += 32) acc += dot8(__ldg(&w_row[c]), __ldg(&x_row[c]));
#else
    uint4 wv[BASELINE_UNROLL];
    auto load_w = [&](int base) {
#pragma unroll
        for (int u = 0; u < BASELINE_UNROLL; ++u) {
            const int c = base + 32 * u;
            wv[u] = c < vectors ? __ldg(&w_row[c]) : make_uint4(0, 0, 0, 0);
        }
    };
    auto use_step = [&](int base) {
        uint4 xv[BASELINE_UNROLL];
#pragma unroll
        for (int u = 0; u < BASELINE_UNROLL; ++u) {
            const int c = base + 32 * u;
            xv[u] = c < vectors ? __ldg(&x_row[c]) : make_uint4(0, 0, 0, 0);
        }
        // Zeros past the end add exactly nothing.
#pragma unroll
        for (int u = 0; u < BASELINE_UNROLL; ++u) acc += dot8(wv[u], xv[u]);
    };
    int base = lane;
#if BASELINE_EARLY_W
    // The first step's W before the wait (threads past n have returned: they touch nothing).
    load_w(base);
    pdl_begin_after_loads(vectors > 0);
    if (base < vectors) use_step(base);
    base += 32 * BASELINE_UNROLL;
#endif
    for (; base < vectors; base += 32 * BASELINE_UNROLL) {
        load_w(base);
        use_step(base);
    }
#endif
    acc = warp_sum(acc);
    if (lane == 0) y[(size_t)i * n + j] = from_f32(acc);
}

// - gemv_split: one block per ROWS consecutive outputs j, all m ≤ MAX_M rows of x at once, so
//   each weight is read once whatever m is. The block's WARPS warps split K between them (split
//   K inside the block: a short row still occupies a whole block, and a long one is shared by
//   WARPS warps); each lane keeps UNROLL 16-byte loads of every row in flight before using them.
//   Partial sums meet in shared memory; the epilogue (alpha, bias, beta·y) is applied once, in
//   the same kernel. Registered as dot/m1* (MAX_M = 1), dot/m2_* and dot/m4_* (MAX_M = 2, 4,
//   x with W), gemv/splitk (more warps per row) and gemv/multirow (MAX_M = 4 or 16). Needs
//   k % 8 == 0.
//   Seventh session, X_WITH_W = 1: the lane's UNROLL vectors of x (of every row of x since the
//   sixteenth session; MAX_M = 1 before) are loaded with its W vectors (the SASS has each x
//   load issued only after the branch of its step, in a chain of round trips once W has
//   landed), and MIN_BLOCKS > 0 promises ptxas a register budget, without which it pairs each
//   load with its FMAs. A gain on long rows (llama), a loss
//   on qwen's short ones unless one step of the lane's loads covers the row: registered as
//   separate variants (the *_xw ones and dot/m1_w1; PERF.md, seventh session, has which wins
//   where).
//
// Parameters: ROWS, WARPS, UNROLL, MAX_M, BLOCKS_PER_SM (0: one block per row group), MIN_BLOCKS,
// X_WITH_W.

#ifndef ROWS
#define ROWS 1
#endif
#ifndef WARPS
#define WARPS 4
#endif
#ifndef UNROLL
#define UNROLL 4
#endif
#ifndef MAX_M
#define MAX_M 1
#endif
#ifndef BLOCKS_PER_SM
#define BLOCKS_PER_SM 0
#endif
// The fewest blocks a SM the register budget must allow (0: no promise). Without a promise
// ptxas keeps registers low and issues the lane's loads a pair at a time next to their FMAs;
// with one it issues all of a step's loads first (dot/m1_xw: 8 blocks, 46 registers).
#ifndef MIN_BLOCKS
#define MIN_BLOCKS 0
#endif

#if MIN_BLOCKS > 0
#define SPLIT_BOUNDS __launch_bounds__(WARPS * 32, MIN_BLOCKS)
#else
#define SPLIT_BOUNDS __launch_bounds__(WARPS * 32)
#endif

// Under PDL, a block with one row group requests its lanes' first step of W before the wait.
// (A grid-stride block waits first: only its first group could be early.)
#define SPLIT_EARLY_W (SKINNY_PDL && BLOCKS_PER_SM == 0)

// Every epilogue thread writes at most one output, so it can hold that output's bias from the
// start (otherwise the epilogue reads the bias, as without EARLY_BIAS).
#define SPLIT_BIAS_FITS (MAX_M * ROWS <= WARPS * 32)

// A vector of W for gemv_split: __ldg as before, or with PREFETCH or W_NO_L1 the same read-only
// load with its L2 prefetch size or L1 hint.
__device__ __forceinline__ uint4 load_w_vector(const uint4* p) {
#if PREFETCH || W_NO_L1
    uint4 v;
    // Not volatile: a pure read of read-only memory, which the compiler may schedule as __ldg.
    asm("ld.global.nc" W_L1_HINT W_PREFETCH ".v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
#else
    return __ldg(p);
#endif
}

// The body of both entries below. EARLY_BIAS: the bias of the one output this thread's epilogue
// writes is requested with the first W (`bias_requested_early`). It is an entry of its own, not
// a branch on `bias`: as a branch, the extra register and load moved the SASS of the bias-free
// builds, and dot/m1_grid read qwen's gate_up in 12.5 µs instead of 9.8 (twenty-second session,
// call 1).
template <bool EARLY_BIAS>
__device__ __forceinline__ void split_rows(const elem_t* __restrict__ x,
                                           const elem_t* __restrict__ w, elem_t* __restrict__ y,
                                           const elem_t* __restrict__ bias, int m, int n, int k,
                                           float alpha, float beta) {
#if !SPLIT_EARLY_W
    pdl_begin();
#endif
    __shared__ float partial[WARPS][MAX_M * ROWS];
    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    // Row groups are handed out grid-stride: a grid sized to the machine (BLOCKS_PER_SM on the
    // host) keeps every SM streaming without a ragged last wave; a grid of one block per group
    // runs the loop once.
    // (Compiled only when the host asks for it: the loop costs registers, and at MAX_M = 4 or
    // WARPS = 8 it made ptxas spill.)
#if BLOCKS_PER_SM > 0
    const int groups = (n + ROWS - 1) / ROWS;
    for (int group = blockIdx.x; group < groups; group += gridDim.x) {
#else
    {
        const int group = blockIdx.x;
#endif
        const int j0 = group * ROWS;
        const int vectors = k / 8;
        const uint4* x_vec = reinterpret_cast<const uint4*>(x);

        // Rows past n repeat the last row: computed, never stored, so the loop needs no branch.
        const uint4* w_row[ROWS];
#pragma unroll
        for (int r = 0; r < ROWS; ++r)
            w_row[r] = reinterpret_cast<const uint4*>(w + (size_t)min(j0 + r, n - 1) * k);

        float acc[MAX_M][ROWS];
#pragma unroll
        for (int i = 0; i < MAX_M; ++i)
#pragma unroll
            for (int r = 0; r < ROWS; ++r) acc[i][r] = 0.0f;

        const int step = WARPS * 32;
        uint4 wv[UNROLL][ROWS];
        // The lane's W of the step at `base`: UNROLL vectors of each row, zeros past the row.
        auto load_w = [&](int base) {
#pragma unroll
            for (int u = 0; u < UNROLL; ++u) {
                const int c = base + u * step;
#pragma unroll
                for (int r = 0; r < ROWS; ++r)
                    wv[u][r] = c < vectors ? load_w_vector(&w_row[r][c]) : make_uint4(0, 0, 0, 0);
            }
        };
        // x of the step at `base` against the W in `wv`, into acc.
        auto use_step = [&](int base) {
#if X_WITH_W
            // Every row's x with W (rows past m load nothing and add zeros; at MAX_M = 1 the
            // row test is compiled out).
            uint4 xv[MAX_M][UNROLL];
#pragma unroll
            for (int i = 0; i < MAX_M; ++i)
#pragma unroll
                for (int u = 0; u < UNROLL; ++u) {
                    const int c = base + u * step;
                    xv[i][u] = c < vectors && (MAX_M == 1 || i < m)
                                   ? __ldg(&x_vec[(size_t)i * vectors + c])
                                   : make_uint4(0, 0, 0, 0);
                }
            // Zeros past the end add exactly nothing, so no step branches.
#pragma unroll
            for (int u = 0; u < UNROLL; ++u) {
                float xf[MAX_M][8];
#pragma unroll
                for (int i = 0; i < MAX_M; ++i) unpack8(xv[i][u], xf[i]);
#pragma unroll
                for (int r = 0; r < ROWS; ++r) {
                    float wf[8];
                    unpack8(wv[u][r], wf);
#pragma unroll
                    for (int i = 0; i < MAX_M; ++i)
#pragma unroll
                        for (int e = 0; e < 8; ++e) acc[i][r] = fmaf(wf[e], xf[i][e], acc[i][r]);
                }
            }
#else
            // Each weight is widened once and used for every row of x.
#pragma unroll
            for (int u = 0; u < UNROLL; ++u) {
                const int c = base + u * step;
                if (c >= vectors) continue;
                float wf[ROWS][8];
#pragma unroll
                for (int r = 0; r < ROWS; ++r) unpack8(wv[u][r], wf[r]);
#pragma unroll
                for (int i = 0; i < MAX_M; ++i) {
                    if (i < m) {
                        float xf[8];
                        unpack8(__ldg(&x_vec[(size_t)i * vectors + c]), xf);
#pragma unroll
                        for (int r = 0; r < ROWS; ++r)
#pragma unroll
                            for (int e = 0; e < 8; ++e)
                                acc[i][r] = fmaf(wf[r][e], xf[e], acc[i][r]);
                    }
                }
            }
#endif
        };

        constexpr bool bias_early = EARLY_BIAS && SPLIT_BIAS_FITS;
        const float early_bias =
            bias_early ? bias_requested_early(bias, j0, ROWS, MAX_M * ROWS, n) : 0.0f;

        int base = warp * 32 + lane;
#if SPLIT_EARLY_W
        // The first step's W before the wait; the loop goes on from the second.
        load_w(base);
        pdl_begin_after_loads(vectors > 0);
        if (base < vectors) use_step(base);
        base += step * UNROLL;
#endif
        for (; base < vectors; base += step * UNROLL) {
            load_w(base);
            use_step(base);
        }

#pragma unroll
        for (int i = 0; i < MAX_M; ++i)
#pragma unroll
            for (int r = 0; r < ROWS; ++r) {
                const float s = warp_sum(acc[i][r]);
                if (lane == 0) partial[warp][i * ROWS + r] = s;
            }
        __syncthreads();

        for (int t = threadIdx.x; t < MAX_M * ROWS; t += WARPS * 32) {
            const int i = t / ROWS, r = t % ROWS, j = j0 + r;
            if (i >= m || j >= n) continue;
            float s = 0.0f;
#pragma unroll
            for (int v = 0; v < WARPS; ++v) s += partial[v][t];
            s *= alpha;
            // With bias_early, t is this thread's index, so early_bias is row r's bias.
            if (bias != nullptr) s += bias_early ? early_bias : to_f32(bias[j]);
            const size_t at = (size_t)i * n + j;
            if (beta != 0.0f) s += beta * to_f32(y[at]);
            y[at] = from_f32(s);
        }
        __syncthreads();  // `partial` is reused by the next group
    }
}

extern "C" __global__ void SPLIT_BOUNDS
gemv_split(const elem_t* __restrict__ x, const elem_t* __restrict__ w, elem_t* __restrict__ y,
           const elem_t* __restrict__ bias, int m, int n, int k, float alpha, float beta) {
    split_rows<false>(x, w, y, bias, m, n, k, alpha, beta);
}

// gemv_split for problems with a bias: the bias requested with the first W.
extern "C" __global__ void SPLIT_BOUNDS
gemv_split_bias(const elem_t* __restrict__ x, const elem_t* __restrict__ w,
                elem_t* __restrict__ y, const elem_t* __restrict__ bias, int m, int n, int k,
                float alpha, float beta) {
    split_rows<true>(x, w, y, bias, m, n, k, alpha, beta);
}
