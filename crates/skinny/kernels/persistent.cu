// One decode step's chain of M = 1 products in one persistent kernel (`skinny decode
// --persistent`), with the weights streamed by the copy engine independently of the chain's
// dependencies.
//
// Why: in a graph of one kernel per product, the Qwen2.5-0.5B chain spends ~2.4 µs a product
// beyond its bytes: every product starts with an idle DRAM (launch, first round trip) and ends
// with a drain. PDL, bulk copies and L2 prefetches did not remove it, and a first persistent
// kernel (v1–v4, below) that loaded W into registers after each grid barrier was slower still:
// the barrier, the x staging and the first round trip were all on the critical path and none
// overlapped the bytes (docs/PERF.md).
//
// Here W never waits for x. Each SM owns a contiguous run of every product's rows (a contiguous
// run of bytes), and one producer thread a block streams those runs, product after product,
// through a ring of shared-memory stages with `cp.async.bulk`, as fast as the consumers free the
// stages. The consumer warps wait for a product's input, stage x in shared memory, and work the
// stages: a warp per row, written straight to y with its bias (a row never spans SMs, so there
// are no atomics and no second pass). While they wait, the ring goes on filling with the next
// products' weights, so the DRAM stream runs across product boundaries; on Qwen a SM's ring
// (~190 KB) holds most of a layer's share (~225 KB).
//
// How a product's input is known to be complete: every output is also written to an exchange
// word, its 16 bits next to a 16-bit tag of the launch (`xchg`, 32-bit stores, which a reader
// sees whole or not at all). A consumer stages x by reading the exchange words of the product
// before until each carries this launch's tag. No fence, no counter: a first v5 counted blocks
// in with a release reduction, and that release waited 0.6–2.6 µs a product (it drains the SM's
// outstanding memory traffic, the ring's copies included) on top of the count's round trip.
// The tag is the launch's epoch (`sync[0]`) plus one, low 16 bits; the last block to finish
// (counted in `sync[1]`) advances the epoch, once every block has read it. The host zeroes the
// exchange words and `sync` once, when it allocates them.
//
// Versions:
// - v1–v4 (session 5): W loaded into registers after each barrier, sums by atomicAdd: 916 → 729 µs
//   a qwen token, slower than the graph chain (452).
// - v5a (session 6): the copy-engine ring above, inputs known by a grid count (release/acquire):
//   586–596 µs; the release was 0.6–2.6 µs of each product.
// - v5b (this one): inputs known by tagged exchange words; each warp's biases requested before
//   its input is waited for.
//
// Layout of a block: CONSUMER_WARPS consumer warps, then one producer warp (lane 0 issues the
// copies). Dynamic shared memory: the ring (`stages` × `stage_bytes`), then x as f32 in two
// halves (elements 8c..8c+3 of vector c in `x_lo[c]`, 8c+4..8c+7 in `x_hi[c]`, so that a warp's
// reads of both are contiguous, like its reads of W). All blocks must be resident at once (the
// host launches cooperatively); a wait longer than a second traps, so a misuse is an error, not a
// hang.
//
// Trace (`skinny decode --persistent` reports it): when `trace` is not null, each block records
// globaltimer stamps per product p at trace[(blockIdx.x · count + p) · TRACE_STAMPS + i]: i = 0
// the block begins p, 1 x staged (the input complete), 2 its rows written, 3 the producer's first
// copy of p issued, 4 its last, 5 warp 0's first stage of p landed. (The H200's globaltimer ticks
// about once a microsecond: single stamps are coarse, medians and means over products less so.)
//
// Needs m = 1, W "nt" with k % 8 == 0 (16-byte rows; copies are multiples of 16 bytes), a row
// that fits a stage (k · 2 ≤ stage_bytes), and 16-bit elements. Parameters: CONSUMER_WARPS,
// MAX_STAGES.

#ifndef CONSUMER_WARPS
#define CONSUMER_WARPS 16
#endif
#ifndef MAX_STAGES
#define MAX_STAGES 16
#endif
#define CONSUMER_THREADS (CONSUMER_WARPS * 32)
// Named barrier 1: the consumer warps only (the producer never joins it).
#define CONSUMER_BARRIER 1
// Vectors a lane loads from shared memory before using them.
#define ROW_BATCH 4
// Stamps a block records per product when tracing.
#define TRACE_STAMPS 6

// One product of the chain; written by the host (`StreamStep` in decode.rs), same layout.
struct StreamStep {
    const elem_t* w;       // [n, k]
    const elem_t* x;       // [k]: the token vector, when x_xchg is null
    const u32* x_xchg;     // else the exchange words of the step whose output x is (16-byte aligned)
    elem_t* y;             // [n]
    u32* y_xchg;           // [n]: this step's exchange words
    const elem_t* bias;    // [n] or null
    int n;
    int k;
};
static_assert(sizeof(StreamStep) == 56, "StreamStep must match StreamStep::BYTES on the host");

__device__ __forceinline__ void trap_after_a_second(u64 start) {
    u64 now;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
    if (now - start > 1000000000ull) __trap();
}

__device__ __forceinline__ u64 global_time() {
    u64 t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}

__device__ __forceinline__ void stamp(u64* trace, int count, int product, int which) {
    if (trace != nullptr) trace[((size_t)blockIdx.x * count + product) * TRACE_STAMPS + which] = global_time();
}

// A guarded mbarrier wait: as barrier_wait, but a wait of over a second traps.
__device__ __forceinline__ void stage_wait(u64* bar, u32 parity) {
    const u64 start = global_time();
    u32 done = 0;
    while (!done) {
        asm volatile(
            "{\n\t.reg .pred p;\n\t"
            "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n\t"
            "selp.u32 %0, 1, 0, p;\n\t}"
            : "=r"(done)
            : "r"(shared_address(bar)), "r"(parity)
            : "memory");
        if (!done) trap_after_a_second(start);
    }
}

__device__ __forceinline__ void consumers_sync() {
    asm volatile("bar.sync %0, %1;" ::"n"(CONSUMER_BARRIER), "n"(CONSUMER_THREADS) : "memory");
}

// This block's rows of a product: an even share of whole rows. The blocks that get one row more
// rotate with the product, so that over a chain every SM streams about the same bytes.
struct RowRange {
    int begin, end;
};
__device__ __forceinline__ RowRange rows_of(int n, int product) {
    const int blocks = gridDim.x;
    const int turn = (blockIdx.x + product) % blocks;
    const int base = n / blocks, extra = n % blocks;
    const int begin = turn * base + min(turn, extra);
    return RowRange{begin, begin + base + (turn < extra ? 1 : 0)};
}

__device__ __forceinline__ int rows_per_stage(int k, int stage_bytes) {
    return stage_bytes / (k * (int)sizeof(elem_t));
}

// The producer: every product's rows of this block, in chain order, a stage at a time; a stage
// is refilled once every consumer warp has released it.
__device__ void produce(const StreamStep* steps, int count, unsigned char* ring, int stages,
                        int stage_bytes, u64* full, u64* empty, u64* trace) {
    u32 seq = 0;  // stage fills so far: slot seq % stages, its use seq / stages
    for (int p = 0; p < count; ++p) {
        const StreamStep s = steps[p];
        const RowRange r = rows_of(s.n, p);
        const int per_stage = rows_per_stage(s.k, stage_bytes);
        for (int first = r.begin; first < r.end; first += per_stage, ++seq) {
            const int slot = (int)(seq % stages);
            const u32 use = seq / stages;
            if (use > 0) {
                stage_wait(&empty[slot], (use - 1) & 1);
                // The consumers read the slot through the generic proxy; order that before the
                // copy engine overwrites it.
                asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
            }
            const u32 bytes = (u32)min(per_stage, r.end - first) * (u32)s.k * (u32)sizeof(elem_t);
            barrier_expect_bytes(&full[slot], bytes);
            bulk_copy(ring + (size_t)slot * stage_bytes, s.w + (size_t)first * s.k, bytes,
                      &full[slot]);
            if (first == r.begin) stamp(trace, count, p, 3);
        }
        stamp(trace, count, p, 4);
    }
}

__device__ __forceinline__ uint4 load_relaxed(const u32* p) {
    uint4 v;
    asm volatile("ld.relaxed.gpu.global.v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p)
                 : "memory");
    return v;
}

__device__ __forceinline__ bool tagged(uint4 v, u32 tag) {
    return (v.x >> 16) == tag && (v.y >> 16) == tag && (v.z >> 16) == tag && (v.w >> 16) == tag;
}

// Eight exchange words (one x vector) once all carry `tag`: re-read until they do.
__device__ __forceinline__ void await_tagged(const u32* words, u32 tag, uint4& a, uint4& b) {
    if (tagged(a, tag) && tagged(b, tag)) return;
    const u64 start = global_time();
    for (;;) {
        __nanosleep(64);
        a = load_relaxed(words);
        b = load_relaxed(words + 4);
        if (tagged(a, tag) && tagged(b, tag)) return;
        trap_after_a_second(start);
    }
}

// The low halves of eight exchange words as one vector of eight elements.
__device__ __forceinline__ uint4 untag(uint4 a, uint4 b) {
    return make_uint4((a.x & 0xffffu) | (a.y << 16), (a.z & 0xffffu) | (a.w << 16),
                      (b.x & 0xffffu) | (b.y << 16), (b.z & 0xffffu) | (b.w << 16));
}

#define STAGE_BATCH 2

// x of a product into shared memory as f32 halves: the token vector, or the exchange words of
// the product before once they carry this launch's tag (which is how a consumer learns that the
// product before is complete). Every load of a batch is issued before any is checked.
__device__ __forceinline__ void stage_x(const StreamStep& s, u32 tag, float4* x_lo, float4* x_hi) {
    const int vectors = s.k / 8;
    for (int base = threadIdx.x; base < vectors; base += STAGE_BATCH * CONSUMER_THREADS) {
        uint4 v[STAGE_BATCH];
        if (s.x_xchg == nullptr) {
#pragma unroll
            for (int u = 0; u < STAGE_BATCH; ++u)
                v[u] = __ldg(reinterpret_cast<const uint4*>(s.x) + min(base + u * CONSUMER_THREADS, vectors - 1));
        } else {
            uint4 a[STAGE_BATCH], b[STAGE_BATCH];
#pragma unroll
            for (int u = 0; u < STAGE_BATCH; ++u) {
                const u32* words = s.x_xchg + 8 * min(base + u * CONSUMER_THREADS, vectors - 1);
                a[u] = load_relaxed(words);
                b[u] = load_relaxed(words + 4);
            }
#pragma unroll
            for (int u = 0; u < STAGE_BATCH; ++u) {
                await_tagged(s.x_xchg + 8 * min(base + u * CONSUMER_THREADS, vectors - 1), tag, a[u], b[u]);
                v[u] = untag(a[u], b[u]);
            }
        }
#pragma unroll
        for (int u = 0; u < STAGE_BATCH; ++u) {
            const int c = base + u * CONSUMER_THREADS;
            if (c < vectors) {
                float f[8];
                unpack8(v[u], f);
                x_lo[c] = make_float4(f[0], f[1], f[2], f[3]);
                x_hi[c] = make_float4(f[4], f[5], f[6], f[7]);
            }
        }
    }
}

__device__ __forceinline__ float dot_vector(uint4 wv, float4 lo, float4 hi) {
    float w[8];
    unpack8(wv, w);
    float acc = w[0] * lo.x;
    acc = fmaf(w[1], lo.y, acc);
    acc = fmaf(w[2], lo.z, acc);
    acc = fmaf(w[3], lo.w, acc);
    acc = fmaf(w[4], hi.x, acc);
    acc = fmaf(w[5], hi.y, acc);
    acc = fmaf(w[6], hi.z, acc);
    return fmaf(w[7], hi.w, acc);
}

// One row (in shared memory) against x: a warp's dot product, summed over its lanes.
__device__ __forceinline__ float row_dot(const uint4* row, int vectors, const float4* x_lo,
                                         const float4* x_hi, int lane) {
    float acc = 0.0f;
    int c = lane;
    for (; c + (ROW_BATCH - 1) * 32 < vectors; c += ROW_BATCH * 32) {
        uint4 wv[ROW_BATCH];
#pragma unroll
        for (int u = 0; u < ROW_BATCH; ++u) wv[u] = row[c + u * 32];
#pragma unroll
        for (int u = 0; u < ROW_BATCH; ++u) acc += dot_vector(wv[u], x_lo[c + u * 32], x_hi[c + u * 32]);
    }
    for (; c < vectors; c += 32) acc += dot_vector(row[c], x_lo[c], x_hi[c]);
    return warp_sum(acc);
}

// The consumers: for each product, stage its input, then work this block's stages of it. Row i of
// the block's share goes to warp i % CONSUMER_WARPS; every warp waits for every stage and
// releases it (so that each release counts toward the right fill of the slot). A warp's first 32
// biases of a product are requested (a lane each) before the input is waited for.
__device__ void consume(const StreamStep* steps, int count, u32 tag, const unsigned char* ring,
                        int stages, int stage_bytes, u64* full, u64* empty, float4* x_lo,
                        float4* x_hi, u64* trace) {
    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    u32 seq = 0;
    for (int p = 0; p < count; ++p) {
        const StreamStep s = steps[p];
        const RowRange r = rows_of(s.n, p);
        // This warp's rows are r.begin + warp + j · CONSUMER_WARPS; lane j holds bias j.
        const int my_row = r.begin + warp + lane * CONSUMER_WARPS;
        const float my_bias = (s.bias != nullptr && my_row < r.end) ? to_f32(s.bias[my_row]) : 0.0f;
        if (threadIdx.x == 0) stamp(trace, count, p, 0);
        stage_x(s, tag, x_lo, x_hi);
        consumers_sync();
        if (threadIdx.x == 0) stamp(trace, count, p, 1);

        const int per_stage = rows_per_stage(s.k, stage_bytes);
        const int vectors = s.k / 8;
        for (int first = r.begin; first < r.end; first += per_stage, ++seq) {
            const int slot = (int)(seq % stages);
            const int last = min(first + per_stage, r.end);
            stage_wait(&full[slot], (seq / stages) & 1);
            if (threadIdx.x == 0 && first == r.begin) stamp(trace, count, p, 5);
            const uint4* stage = reinterpret_cast<const uint4*>(ring + (size_t)slot * stage_bytes);
            // This warp's first row at or after `first`.
            int row = first + ((warp - (first - r.begin)) % CONSUMER_WARPS + CONSUMER_WARPS) % CONSUMER_WARPS;
            for (; row < last; row += CONSUMER_WARPS) {
                float v = row_dot(stage + (size_t)(row - first) * vectors, vectors, x_lo, x_hi, lane);
                if (s.bias != nullptr) {
                    const int j = (row - r.begin) / CONSUMER_WARPS;
                    const float b = __shfl_sync(0xffffffffu, my_bias, j & 31);
                    v += j < 32 ? b : to_f32(s.bias[row]);
                }
                if (lane == 0) {
                    const elem_t out = from_f32(v);
                    s.y[row] = out;
                    asm volatile("st.relaxed.gpu.global.u32 [%0], %1;" ::"l"(s.y_xchg + row),
                                 "r"((tag << 16) | (u32)out)
                                 : "memory");
                }
            }
            __syncwarp();
            if (lane == 0) barrier_arrive(&empty[slot]);
        }
        // x is no longer read (the next product may restage it).
        consumers_sync();
        if (threadIdx.x == 0) stamp(trace, count, p, 2);
    }
}

extern "C" __global__ void __launch_bounds__((CONSUMER_WARPS + 1) * 32, 1)
chain_stream(const StreamStep* __restrict__ steps, int count, u32* __restrict__ sync, int stages,
             int stage_bytes, int max_k, u64* __restrict__ trace) {
    extern __shared__ __align__(128) unsigned char ring[];
    __shared__ __align__(8) u64 full[MAX_STAGES];
    __shared__ __align__(8) u64 empty[MAX_STAGES];
    __shared__ u32 epoch;
    float4* x_lo = reinterpret_cast<float4*>(ring + (size_t)stages * stage_bytes);
    float4* x_hi = x_lo + max_k / 8;

    if (threadIdx.x == 0) {
        for (int s = 0; s < stages; ++s) {
            barrier_init(&full[s], 1);
            barrier_init(&empty[s], CONSUMER_WARPS);
        }
        // Make the initialised barriers visible to the copy engine before it signals them.
        asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
        asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
        epoch = __ldcg(&sync[0]);
    }
    __syncthreads();
    if (threadIdx.x < CONSUMER_THREADS) {
        const u32 tag = (epoch + 1) & 0xffffu;
        consume(steps, count, tag, ring, stages, stage_bytes, full, empty, x_lo, x_hi, trace);
        // The last block to finish advances the epoch: every block has read it by then.
        if (threadIdx.x == 0 && atomicAdd(&sync[1], 1u) == gridDim.x - 1) {
            sync[1] = 0;
            atomicAdd(&sync[0], 1u);
        }
    } else if (threadIdx.x == CONSUMER_THREADS) {
        produce(steps, count, ring, stages, stage_bytes, full, empty, trace);
    }
}
