// Tensor-core GEMV for decode batches fed by the copy engine (y[m, n] = x[m, k] · W[n, k]ᵀ,
// m ≤ 16, W "nt"), sm_90.
//
// Why: at m = 4..16 the register and cp.async kernels (gemv_split, gemv_mma, gemv_mma_ring)
// spend their issue slots on moving W (one instruction a 16-byte vector, then fragment loads
// and shuffles): Nsight Compute on 8×28672×4096 showed the ring issuing on 41 % of cycles with
// DRAM active 82 %, where cuBLAS (nvjet_sm90_tst_128x8_64x12: TMA and wgmma) issues on 9 % and
// keeps the memory busy (seventeenth session). Here one thread asks the copy engine for whole
// 64-row × 128-byte boxes of W and of x (bulk tensor copies, 128-byte swizzle, completion counted
// on an mbarrier), and the warpgroup multiplies straight out of shared memory (wgmma, A = the W
// box, B = the x box, both K-major): a step of 64 rows × 64 k is four instructions.
//
// Block: one warpgroup (128 threads) per tile of 64 rows of W and one split of K. A ring of
// STAGES stages, each W's box (8 KB) then x's box (8 or 16 rows, 1 or 2 KB). Boxes past the end
// of k, of W's rows or of x's m rows are filled with zeros by the copy engine, so ragged shapes
// need no branch: zeros add nothing and rows past n are never stored.
//
// The first stages are requested at once, each stage's W box and then its x box, stage by stage:
// the copy engine serves a SM's requests about in the order they were issued, and stage 0 is
// ready only when its x box has landed. Until the twenty-fifth session every W box came first,
// and the first mma waited for most of the ring: 0.4–1.4 µs of every kernel (16×9728×896:
// 9.01 → 8.19 µs; PERF.md, twenty-fifth session, call 7). Under PDL, W's boxes for the first
// stages are still requested before the wait (weights never depend on the kernel before) and
// x's after it.
//
// Split K: `gridDim.y` splits of `k_chunk` (a multiple of 64) each. With one split the block
// writes y; with several it writes its f32 sums to `partial`, and the last block of the tile to
// arrive (counted in `counters`, which it re-zeroes) adds the splits in order and writes y, as
// gemv_nn does.
//
// PRODUCER = 1: a fifth warp asks for the boxes, and the warpgroup hands each stage back on an
// "empty" mbarrier as soon as its instructions have read it (keeping the next step's
// instructions in flight meanwhile), with no block-wide barrier in the loop. PRODUCER = 0: the
// warpgroup's thread 0 refills a stage after a block barrier that follows its use.
//
// ROW_BLOCKS = 2: tiles of 128 rows (two m64 instructions a k16 slice, one 16 KB box of W a
// stage): half the x traffic and half the waits per byte of W.
//
// ROTATE = 1: block b walks its boxes starting from box (7·b) mod steps, wrapping round, as
// gemv_mma_ring's ROTATE: with every block at the same k at once, every request of the machine
// falls at the same offset of its (8 KB) row.
//
// Parameters: STAGES, MAX_M (≤ 8: n = 8 instructions and 8-row x boxes; else 16), PRODUCER,
// ROW_BLOCKS, ROTATE.

#ifndef STAGES
#define STAGES 4
#endif
#ifndef MAX_M
#define MAX_M 8
#endif
#ifndef PRODUCER
#define PRODUCER 0
#endif
#ifndef ROW_BLOCKS
#define ROW_BLOCKS 1
#endif
#ifndef ROTATE
#define ROTATE 0
#endif

#ifdef MMA_AB
constexpr int TILE_ROWS = 64 * ROW_BLOCKS;        // rows of W a block (wgmma's M is 64)
constexpr int BOX_K = 64;                         // k a stage: one 128-byte swizzle row
constexpr int X_ROWS = MAX_M > 8 ? 16 : 8;        // wgmma's N
constexpr int ROW_BLOCK_BYTES = 64 * BOX_K * 2;   // 8192: one 64-row block of a W box
constexpr int W_BOX_BYTES = ROW_BLOCKS * ROW_BLOCK_BYTES;
constexpr int X_BOX_BYTES = X_ROWS * BOX_K * 2;     // 1024 or 2048
constexpr int STAGE_BYTES = W_BOX_BYTES + X_BOX_BYTES;
constexpr int ACC = X_ROWS / 2;                   // f32 sums a thread

// A tensor map (CUtensorMap) as the driver encodes it: 128 opaque bytes (aligned as CUDA 13's
// cuda.h aligns them).
struct __align__(128) TensorMap {
    u64 opaque[16];
};

// One box of a 2-D tensor map into shared memory at `dst`, counted on `bar`. c0: the element
// along k, c1: the row.
__device__ __forceinline__ void box_copy(u32 dst, const TensorMap* map, int c0, int c1, u64* bar) {
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
        " [%0], [%1, {%2, %3}], [%4];" ::"r"(dst),
        "l"(reinterpret_cast<u64>(map)), "r"(c0), "r"(c1), "r"(shared_address(bar))
        : "memory");
}

// wgmma's shared-memory matrix descriptor for a K-major operand in 128-byte swizzle: rows of 128
// bytes, groups of 8 rows 1024 bytes apart (the stride); the leading offset is unused there.
// The stage is 1024-byte aligned, so a k16 slice starts 32 bytes further along the row.
__device__ __forceinline__ u64 smem_desc(u32 address) {
    return (u64)((address & 0x3FFFF) >> 4) | ((u64)1 << 16) | ((u64)(1024 >> 4) << 32) |
           ((u64)1 << 62);
}

// d (64 × X_ROWS, f32) += A (64 × 16 of W) · B (16 × X_ROWS of xᵀ), both from shared memory.
__device__ __forceinline__ void wgmma_step(float d[ACC], u64 a, u64 b) {
#if MAX_M <= 8
    asm volatile(
        "{\n\t.reg .pred p;\n\tsetp.ne.b32 p, 1, 0;\n\t"
        "wgmma.mma_async.sync.aligned.m64n8k16.f32." MMA_AB
        " {%0, %1, %2, %3}, %4, %5, p, 1, 1, 0, 0;\n\t}"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "l"(a), "l"(b));
#else
    asm volatile(
        "{\n\t.reg .pred p;\n\tsetp.ne.b32 p, 1, 0;\n\t"
        "wgmma.mma_async.sync.aligned.m64n16k16.f32." MMA_AB
        " {%0, %1, %2, %3, %4, %5, %6, %7}, %8, %9, p, 1, 1, 0, 0;\n\t}"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]),
          "+f"(d[7])
        : "l"(a), "l"(b));
#endif
}

// A barrier of the warpgroup alone (the producer warp, if any, has left by the epilogue).
__device__ __forceinline__ void consumers_sync() {
    asm volatile("bar.sync 1, 128;" ::: "memory");
}

// Finish y[i, j] from its sum s: alpha, bias, beta·y.
__device__ __forceinline__ void store_output(elem_t* y, const elem_t* bias, int n, int i, int j,
                                             float s, float alpha, float beta) {
    s *= alpha;
    if (bias != nullptr) s += to_f32(bias[j]);
    const size_t at = (size_t)i * n + j;
    if (beta != 0.0f) s += beta * to_f32(y[at]);
    y[at] = from_f32(s);
}

extern "C" __global__ void __launch_bounds__(128 + 32 * PRODUCER)
gemv_wgmma(const elem_t* __restrict__ x, const elem_t* __restrict__ w, elem_t* __restrict__ y,
           const elem_t* __restrict__ bias, int m, int n, int k, float alpha, float beta,
           float* __restrict__ partial, unsigned* __restrict__ counters, int k_chunk,
           const __grid_constant__ TensorMap w_map, const __grid_constant__ TensorMap x_map) {
    static_assert(MAX_M >= 1 && MAX_M <= 16, "MAX_M must be in 1..=16");
    static_assert(STAGES >= 2, "a ring needs at least two stages");
    __shared__ u64 full[STAGES];
#if PRODUCER
    __shared__ u64 empty[STAGES];
#endif
    __shared__ bool last_split;
    // The host asks for STAGES · STAGE_BYTES + 1024: the ring starts at the next 1024-byte
    // boundary, which the 128-byte swizzle needs.
    extern __shared__ unsigned char dynamic_shared[];
    const u32 ring = (shared_address(dynamic_shared) + 1023u) & ~1023u;

    const int tid = threadIdx.x;
    const int row0 = blockIdx.x * TILE_ROWS;
    const int split = blockIdx.y, splits = gridDim.y;
    const int k0 = split * k_chunk;
    const int steps = (min(k, k0 + k_chunk) - k0 + BOX_K - 1) / BOX_K;
    const int first = min(STAGES, steps);
    const int rotation = ROTATE && steps > 0 ? (int)((7u * blockIdx.x) % (unsigned)steps) : 0;
    // The thread that asks for boxes: the producer warp's first lane, or the warpgroup's.
    const int asker = PRODUCER ? 128 : 0;
    auto ask = [&](int step, bool w_part, bool x_part) {
        const int s = step % STAGES;
        const u32 a = ring + s * STAGE_BYTES;
        const int kb = k0 + ((step + rotation) % steps) * BOX_K;
        if (w_part) box_copy(a, &w_map, kb, row0, &full[s]);
        if (x_part) box_copy(a + W_BOX_BYTES, &x_map, kb, 0, &full[s]);
    };

    if (tid == asker) {
        asm volatile("prefetch.tensormap [%0];" ::"l"(reinterpret_cast<u64>(&w_map)) : "memory");
        for (int s = 0; s < STAGES; ++s) {
            barrier_init(&full[s], 1);
#if PRODUCER
            barrier_init(&empty[s], 4);  // one arrival a consumer warp
#endif
        }
        asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
        for (int s = 0; s < first; ++s) {
            barrier_expect_bytes(&full[s], STAGE_BYTES);
            ask(s, true, !SKINNY_PDL);
        }
    }
    // x, y, the bias and the workspace may be the kernel before's (W never is).
    pdl_begin();
    if (SKINNY_PDL && tid == asker) {
        for (int s = 0; s < first; ++s) ask(s, false, true);
    }
    __syncthreads();  // the barriers' initialisation, before anyone waits on them

#if PRODUCER
    if (tid >= 128) {
        if (tid == asker) {
            for (int step = STAGES; step < steps; ++step) {
                const int s = step % STAGES;
                barrier_wait(&empty[s], (u32)(step / STAGES - 1) & 1u);
                barrier_expect_bytes(&full[s], STAGE_BYTES);
                ask(step, true, true);
            }
        }
        return;  // the epilogue is the warpgroup's (its barriers count 128 threads)
    }
#endif

    float d[ROW_BLOCKS][ACC];
#pragma unroll
    for (int rb = 0; rb < ROW_BLOCKS; ++rb)
#pragma unroll
        for (int i = 0; i < ACC; ++i) d[rb][i] = 0.0f;

    for (int step = 0; step < steps; ++step) {
        const int s = step % STAGES;
        barrier_wait(&full[s], (u32)(step / STAGES) & 1u);
        const u32 a = ring + s * STAGE_BYTES, b = a + W_BOX_BYTES;
        asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
#pragma unroll
        for (int kk = 0; kk < BOX_K / 16; ++kk)
#pragma unroll
            for (int rb = 0; rb < ROW_BLOCKS; ++rb)
                wgmma_step(d[rb], smem_desc(a + rb * ROW_BLOCK_BYTES + 32 * kk),
                           smem_desc(b + 32 * kk));
        asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
#if PRODUCER
        // The step before has been read once at most this step's group is pending: hand it back.
        asm volatile("wgmma.wait_group.sync.aligned 1;" ::: "memory");
        __syncwarp();
        if (step > 0 && tid % 32 == 0) barrier_arrive(&empty[(step - 1) % STAGES]);
#else
        asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
        // Every thread's instructions have read stage s: it may be refilled.
        __syncthreads();
        if (tid == asker && step + STAGES < steps) {
            barrier_expect_bytes(&full[s], STAGE_BYTES);
            ask(step + STAGES, true, true);
        }
#endif
    }
#if PRODUCER
    asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
#endif

    // The accumulator's layout (as mma.sync's m16n8 per warp, repeated along n): warp v holds
    // rows 16v + lane/4 and + 8 of each 64-row block, columns (rows of x) 8c + 2·(lane % 4) and
    // + 1.
    const int warp = tid / 32, lane = tid % 32;
    auto row_of = [&](int rb, int e) {
        return row0 + 64 * rb + 16 * warp + lane / 4 + ((e & 2) ? 8 : 0);
    };
    auto col_of = [&](int e) { return 8 * (e / 4) + 2 * (lane % 4) + (e & 1); };

    if (splits == 1) {
#pragma unroll
        for (int rb = 0; rb < ROW_BLOCKS; ++rb)
#pragma unroll
            for (int e = 0; e < ACC; ++e) {
                const int j = row_of(rb, e), i = col_of(e);
                if (i < m && j < n) store_output(y, bias, n, i, j, d[rb][e], alpha, beta);
            }
        return;
    }
#pragma unroll
    for (int rb = 0; rb < ROW_BLOCKS; ++rb)
#pragma unroll
        for (int e = 0; e < ACC; ++e) {
            const int j = row_of(rb, e), i = col_of(e);
            if (i < m && j < n) partial[((size_t)split * m + i) * n + j] = d[rb][e];
        }
    __threadfence();
    consumers_sync();
    if (tid == 0) last_split = atomicAdd(&counters[blockIdx.x], 1u) == (unsigned)splits - 1;
    consumers_sync();
    if (!last_split) return;
    __threadfence();
    // Every split's partials of all this thread's outputs are requested before any is stored,
    // one split at a time: `splits` round trips to L2, not one an output (with a store between
    // outputs the loads of the next could not be issued earlier: 16 round trips a thread).
    float total[ROW_BLOCKS][ACC];
#pragma unroll
    for (int rb = 0; rb < ROW_BLOCKS; ++rb)
#pragma unroll
        for (int e = 0; e < ACC; ++e) total[rb][e] = 0.0f;
    for (int sp = 0; sp < splits; ++sp)
#pragma unroll
        for (int rb = 0; rb < ROW_BLOCKS; ++rb)
#pragma unroll
            for (int e = 0; e < ACC; ++e) {
                const int j = row_of(rb, e), i = col_of(e);
                if (i < m && j < n)
                    total[rb][e] += __ldcg(&partial[((size_t)sp * m + i) * n + j]);
            }
#pragma unroll
    for (int rb = 0; rb < ROW_BLOCKS; ++rb)
#pragma unroll
        for (int e = 0; e < ACC; ++e) {
            const int j = row_of(rb, e), i = col_of(e);
            if (i < m && j < n) store_output(y, bias, n, i, j, total[rb][e], alpha, beta);
        }
    if (tid == 0) counters[blockIdx.x] = 0;
}
#endif
