// Bulk-copy GEMV for decode (y[m, n] = x[m, k] · W[n, k]ᵀ, m ≤ MAX_M, W row-major "nt").
//
// Why: the register-load kernels (gemv.cu, mma.cu) keep at most a few KB a warp in flight and
// stay 1.5–4 µs above the byte floor on shapes of 8–35 MB read cold; more loads a lane did not
// move them (dot/m1_u8). Here the bytes in flight are not bounded by registers: each block owns a
// contiguous run of rows of W (a contiguous run of bytes) and streams it through a ring of
// STAGES shared-memory buffers with the copy engine (`cp.async.bulk`, one instruction per stage
// of whole rows, completion counted on an mbarrier). A block of 6 × 32 KB has up to 192 KB of W
// requested at once; an SM's share of a 9 MB matrix is requested in one go at launch.
//
// Versions:
// - gemv_bulk: one block per SM (BLOCKS_PER_SM on the host), rows split evenly between blocks.
//   A stage holds as many whole rows as fit in STAGE_BYTES (at most ROWS_CAP); its rows are
//   worked by the WARPS warps, a row split between WARPS / rows warps when there are fewer rows
//   than warps. Partial sums meet in shared memory; the epilogue (alpha, bias, beta·y) is applied
//   once, in the same kernel. x is read through L1. Under PDL the first STAGES copies are issued
//   before the wait (W is not written by the kernel before; see call.rs).
//
// Needs k % 8 == 0 (16-byte rows) and k · sizeof(elem) ≤ STAGE_BYTES (a row fits a stage; the
// registry's k_max says so).
//
// Parameters: WARPS, STAGES, STAGE_BYTES (a multiple of 16), MAX_M, COPY (0: one bulk copy a
// stage by the copy engine; 1: 16-byte cp.async by every thread, the Ampere way).

#ifndef WARPS
#define WARPS 8
#endif
#ifndef STAGES
#define STAGES 6
#endif
#ifndef STAGE_BYTES
#define STAGE_BYTES 32768
#endif
#ifndef MAX_M
#define MAX_M 1
#endif
#ifndef COPY
#define COPY 0
#endif
// Rows a stage holds at most: bounds the partial-sum buffer.
#define ROWS_CAP 64

// Vectors of a row a lane loads from shared memory before using them.
#define BATCH 4

// acc[i] += w · x[i, c·8 .. c·8 + 8) for every row i < m of x (row 0 always: m ≥ 1).
__device__ __forceinline__ void accumulate(uint4 wv, const uint4* __restrict__ x_vec, int vectors,
                                           int c, int m, float acc[MAX_M]) {
    float wf[8];
    unpack8(wv, wf);
#pragma unroll
    for (int i = 0; i < MAX_M; ++i) {
        if (i == 0 || i < m) {
            float xf[8];
            unpack8(__ldg(&x_vec[(size_t)i * vectors + c]), xf);
#pragma unroll
            for (int e = 0; e < 8; ++e) acc[i] = fmaf(wf[e], xf[e], acc[i]);
        }
    }
}

// Request stage `s` of the block's rows (whole rows, contiguous bytes) into its ring slot.
// COPY 0: thread 0 issues one bulk copy, counted on the slot's mbarrier. COPY 1: every thread
// issues 16-byte cp.async copies and commits a group, an empty one for a stage past the last, so
// that stage s is always the s-th group.
__device__ __forceinline__ void request_stage(int s, int stages, unsigned char* ring, u64* full,
                                              const elem_t* w, int k, int row_begin,
                                              int row_end, int rows_per_stage) {
    const int first = row_begin + s * rows_per_stage;
    const int rows = min(rows_per_stage, row_end - first);
    unsigned char* slot = ring + (size_t)(s % STAGES) * STAGE_BYTES;
    const elem_t* src = w + (size_t)first * k;
#if COPY == 0
    if (threadIdx.x == 0 && s < stages) {
        const u32 bytes = (u32)rows * (u32)k * (u32)sizeof(elem_t);
        u64* bar = &full[s % STAGES];
        barrier_expect_bytes(bar, bytes);
        bulk_copy(slot, src, bytes, bar);
    }
#else
    if (s < stages) {
        const int count = rows * (k / 8);
        const uint4* from = reinterpret_cast<const uint4*>(src);
        for (int v = threadIdx.x; v < count; v += WARPS * 32)
            asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(
                             shared_address(slot + (size_t)v * 16)),
                         "l"(from + v)
                         : "memory");
    }
    asm volatile("cp.async.commit_group;" ::: "memory");
#endif
}

// Wait until stage `s` has landed and is visible to every thread of the block.
__device__ __forceinline__ void wait_stage(int s, u64* full) {
#if COPY == 0
    barrier_wait(&full[s % STAGES], (u32)((s / STAGES) & 1));
#else
    // Groups are committed in stage order, STAGES ahead of use.
    asm volatile("cp.async.wait_group %0;" ::"n"(STAGES - 1) : "memory");
    __syncthreads();
#endif
}

extern "C" __global__ void __launch_bounds__(WARPS * 32, 1)
gemv_bulk(const elem_t* __restrict__ x, const elem_t* __restrict__ w, elem_t* __restrict__ y,
          const elem_t* __restrict__ bias, int m, int n, int k, float alpha, float beta) {
    extern __shared__ __align__(128) unsigned char ring[];
    __shared__ __align__(8) u64 full[STAGES];
    __shared__ float partial[2][ROWS_CAP * MAX_M];

    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    const int vectors = k / 8;
    const size_t row_bytes = (size_t)k * sizeof(elem_t);
    const int rows_per_stage = min(ROWS_CAP, max(1, (int)(STAGE_BYTES / row_bytes)));

    // This block's rows: an even share, whole rows.
    const int row_begin = (int)((long long)n * blockIdx.x / gridDim.x);
    const int row_end = (int)((long long)n * (blockIdx.x + 1) / gridDim.x);
    const int stages = (row_end - row_begin + rows_per_stage - 1) / rows_per_stage;

#if COPY == 0
    if (threadIdx.x == 0) {
        for (int s = 0; s < STAGES; ++s) barrier_init(&full[s], 1);
        // Make the initialised barriers visible to the copy engine before it signals them.
        asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
        asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
    }
#endif
    for (int s = 0; s < STAGES; ++s)
        request_stage(s, stages, ring, full, w, k, row_begin, row_end, rows_per_stage);
    // W is requested; x, y and the bias may still be written by the kernel before (PDL).
    pdl_begin();
    __syncthreads();

    const uint4* x_vec = reinterpret_cast<const uint4*>(x);
    for (int s = 0; s < stages; ++s) {
        const int first = row_begin + s * rows_per_stage;
        const int rows = min(rows_per_stage, row_end - first);
        // Fewer rows than warps: each row is split between `parts` warps.
        const int parts = max(1, WARPS / rows);
        const int items = rows * parts;
        float* sums = partial[s & 1];

        wait_stage(s, full);
        const uint4* stage =
            reinterpret_cast<const uint4*>(ring + (size_t)(s % STAGES) * STAGE_BYTES);
        for (int item = warp; item < items; item += WARPS) {
            const int r = item / parts, part = item % parts;
            const int c_begin = (int)((long long)vectors * part / parts);
            const int c_end = (int)((long long)vectors * (part + 1) / parts);
            const uint4* row = stage + (size_t)r * vectors;
            float acc[MAX_M];
#pragma unroll
            for (int i = 0; i < MAX_M; ++i) acc[i] = 0.0f;
            // Batches of BATCH vectors a lane with every load issued before any is used (a
            // bounds check per load would make ptxas place each load next to its use), then
            // the remainder one at a time.
            int c = c_begin + lane;
            for (; c + (BATCH - 1) * 32 < c_end; c += BATCH * 32) {
                uint4 wv[BATCH];
#pragma unroll
                for (int u = 0; u < BATCH; ++u) wv[u] = row[c + u * 32];
#pragma unroll
                for (int u = 0; u < BATCH; ++u)
                    accumulate(wv[u], x_vec, vectors, c + u * 32, m, acc);
            }
            for (; c < c_end; c += 32) accumulate(row[c], x_vec, vectors, c, m, acc);
#pragma unroll
            for (int i = 0; i < MAX_M; ++i) {
                const float v = warp_sum(acc[i]);
                if (lane == 0) sums[item * MAX_M + i] = v;
            }
        }
        // Every warp is done with this slot and has written its sums.
        __syncthreads();
#if COPY == 0
        // The slot was read through the generic proxy; order that before the copy engine
        // overwrites it.
        if (threadIdx.x == 0) asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
#endif
        request_stage(s + STAGES, stages, ring, full, w, k, row_begin, row_end, rows_per_stage);
        // The sums of stage s are not overwritten before stage s + 2, which every thread enters
        // only after the barrier of stage s + 1.
        for (int t = threadIdx.x; t < rows * m; t += WARPS * 32) {
            const int r = t / m, i = t % m, j = first + r;
            float v = 0.0f;
            for (int p = 0; p < parts; ++p) v += sums[(r * parts + p) * MAX_M + i];
            v *= alpha;
            if (bias != nullptr) v += to_f32(bias[j]);
            const size_t at = (size_t)i * n + j;
            if (beta != 0.0f) v += beta * to_f32(y[at]);
            y[at] = from_f32(v);
        }
    }
}
