// One decode step's chain of M = 1 products in one persistent kernel (`skinny decode`'s
// skinny-persistent mode).
//
// Why: in a graph of one kernel per product, the Qwen2.5-0.5B chain spends ~2.4 µs a product
// beyond its bytes; PDL, bulk copies and L2 prefetches did not remove it (docs/PERF.md). Here the
// kernel boundaries are replaced by a grid-wide barrier, and before waiting at it each warp
// already requests its first weights of the next product (they do not depend on the barrier),
// so the next product's first DRAM round trip overlaps the wait.
//
// Versions (all measured slower than the graph chain on the H200; docs/PERF.md):
// - v1: two blocks of 8 warps a SM, x staged one value a thread at a time, 4 loads a lane.
// - v2: x staged four values a load with every load issued first; 8 loads a lane.
// - v3: each warp's next row requested one item ahead (short rows had cost one dependent DRAM
//   round trip per 32 vectors).
// - v4 (this one): one block of CHAIN_WARPS = 16 warps a SM (half the barrier's arrivals),
//   arrivals by `red.release`.
// For each step: x is staged in shared memory (f32, rounded through the element type as the
// chained kernels would store it); rows are split into `split` segments a warp each (split > 1
// when rows are fewer than warps); each item's first FIRST vectors a lane are requested one item
// ahead, the rest in batches of UNROLL; sums are added into the step's f32 accumulator (zeroed
// before the launch); then the barrier. A step's y (the element type, with its bias) is written
// by every block, grid-stride, once its barrier has passed: for the checks and for the products
// run after the kernel. Needs W "nt" with k % 8 == 0, m = 1.
//
// The barrier is a monotonic counter (zeroed with the accumulators): each block arrives with a
// release reduction after its block barrier, and thread 0 spins on an acquire load. The host
// launches the grid cooperatively (all blocks resident, or the launch fails); a wait that lasts
// over a second still traps, so a misuse is an error, not a hang.
//
// Parameters: UNROLL, FIRST, CHAIN_WARPS (the host passes it; it sizes the block from it).

#ifndef UNROLL
#define UNROLL 8
#endif
// Vectors a lane of each item's first batch (loaded one item ahead).
#ifndef FIRST
#define FIRST 4
#endif
#ifndef CHAIN_WARPS
#define CHAIN_WARPS 16
#endif

// One product of the chain; written by the host (`PersistentStep` in decode.rs), same layout.
struct ChainStep {
    const elem_t* w;         // [n, k]
    elem_t* y;               // [n]
    const elem_t* bias;      // [n] or null
    float* acc;              // [n], zero at the launch
    const elem_t* x_tokens;  // the step's input when it is the token vector, else null
    const float* x_acc;      // else the first k sums of an earlier step
    const elem_t* x_bias;    // and that step's bias (or null)
    int n;
    int k;
    int split;  // warps a row: 1, or more when rows are fewer than warps
    int pad;
};
static_assert(sizeof(ChainStep) == 72, "ChainStep must match PersistentStep::BYTES on the host");

__device__ __forceinline__ void grid_barrier(u32* counter, u32 target) {
    __syncthreads();
    if (threadIdx.x == 0) {
        // Release: the block's sums (ordered before this by the block barrier) are visible
        // to whoever sees the count.
        asm volatile("red.release.gpu.global.add.u32 [%0], 1;" ::"l"(counter) : "memory");
        u64 start, now;
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
        u32 seen;
        do {
            asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(seen) : "l"(counter) : "memory");
            asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
            if (now - start > 1000000000ull) __trap();
        } while (seen < target);
    }
    __syncthreads();
}

// One warp's work item: vectors [c0, c1) of row `row` of W.
struct Segment {
    const uint4* w_row;
    int row, c0, c1;
};

__device__ __forceinline__ Segment segment_of(const ChainStep& s, int item) {
    const int vectors = s.k / 8;
    const int row = item / s.split, seg = item % s.split;
    return Segment{reinterpret_cast<const uint4*>(s.w + (size_t)row * s.k), row,
                   (int)((long long)vectors * seg / s.split),
                   (int)((long long)vectors * (seg + 1) / s.split)};
}

// The first FIRST vectors a lane of item `item` of `s` (zero past its segment's end): requested
// one item ahead, so that a warp's next row is in flight while it works on this one, and before
// the barrier for its first item of the next product.
__device__ __forceinline__ void load_first(const ChainStep& s, int item, int lane,
                                           uint4 (&batch)[FIRST]) {
#pragma unroll
    for (int u = 0; u < FIRST; ++u) batch[u] = make_uint4(0, 0, 0, 0);
    if (item >= s.n * s.split) return;
    const Segment g = segment_of(s, item);
#pragma unroll
    for (int u = 0; u < FIRST; ++u) {
        const int c = g.c0 + lane + u * 32;
        if (c < g.c1) batch[u] = __ldg(&g.w_row[c]);
    }
}

__device__ __forceinline__ float dot_shared(uint4 wv, const float* xs, int c) {
    float wf[8];
    unpack8(wv, wf);
    const float4 a = *reinterpret_cast<const float4*>(xs + 8 * c);
    const float4 b = *reinterpret_cast<const float4*>(xs + 8 * c + 4);
    float acc = wf[0] * a.x;
    acc = fmaf(wf[1], a.y, acc);
    acc = fmaf(wf[2], a.z, acc);
    acc = fmaf(wf[3], a.w, acc);
    acc = fmaf(wf[4], b.x, acc);
    acc = fmaf(wf[5], b.y, acc);
    acc = fmaf(wf[6], b.z, acc);
    return fmaf(wf[7], b.w, acc);
}

// y = sums + bias of step `s`, in the element type, grid-stride over the whole grid.
__device__ __forceinline__ void write_outputs(const ChainStep& s) {
    for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < s.n; j += gridDim.x * blockDim.x) {
        float v = __ldcg(&s.acc[j]);
        if (s.bias != nullptr) v += to_f32(s.bias[j]);
        s.y[j] = from_f32(v);
    }
}

// x of step `s` into shared memory, as the kernel before would have stored it: the token
// vector, or the producer's sums plus its bias rounded to the element type. Four values a load
// and STAGE_BATCH loads a thread issued before any is used (a first version loaded one value at
// a time and waited for each: k / 256 L2 round trips a product, 19 on qwen down).
#define STAGE_BATCH 4

// Four 16-bit elements, widened.
__device__ __forceinline__ float4 unpack4(uint2 raw) {
    return make_float4(to_f32((elem_t)(raw.x & 0xffffu)), to_f32((elem_t)(raw.x >> 16)),
                       to_f32((elem_t)(raw.y & 0xffffu)), to_f32((elem_t)(raw.y >> 16)));
}

__device__ __forceinline__ void stage_x(const ChainStep& s, float* xs) {
    const int quads = s.k / 4;
    for (int base = threadIdx.x; base < quads; base += STAGE_BATCH * blockDim.x) {
        float4 v[STAGE_BATCH];
#pragma unroll
        for (int u = 0; u < STAGE_BATCH; ++u) {
            // Clamped, not skipped: every load is issued; the extra ones are not stored.
            const int q = min(base + u * (int)blockDim.x, quads - 1);
            if (s.x_tokens != nullptr) {
                v[u] = unpack4(*reinterpret_cast<const uint2*>(s.x_tokens + 4 * q));
            } else {
                v[u] = __ldcg(reinterpret_cast<const float4*>(s.x_acc) + q);
                if (s.x_bias != nullptr) {
                    const float4 b = unpack4(*reinterpret_cast<const uint2*>(s.x_bias + 4 * q));
                    v[u] = make_float4(v[u].x + b.x, v[u].y + b.y, v[u].z + b.z, v[u].w + b.w);
                }
                v[u] = make_float4(to_f32(from_f32(v[u].x)), to_f32(from_f32(v[u].y)),
                                   to_f32(from_f32(v[u].z)), to_f32(from_f32(v[u].w)));
            }
        }
#pragma unroll
        for (int u = 0; u < STAGE_BATCH; ++u) {
            const int q = base + u * (int)blockDim.x;
            if (q < quads) reinterpret_cast<float4*>(xs)[q] = v[u];
        }
    }
}

extern "C" __global__ void __launch_bounds__(CHAIN_WARPS * 32, 1)
chain_persistent(const ChainStep* __restrict__ steps, int count, u32* __restrict__ counter) {
    extern __shared__ __align__(16) float xs[];
    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    const int warps_total = gridDim.x * CHAIN_WARPS;
    const int global_warp = blockIdx.x * CHAIN_WARPS + warp;

    uint4 next[FIRST];  // the first batch of this warp's next item
    load_first(steps[0], global_warp, lane, next);
    pdl_begin();
    for (int p = 0; p < count; ++p) {
        const ChainStep s = steps[p];
        stage_x(s, xs);
        if (p > 0) write_outputs(steps[p - 1]);
        __syncthreads();

        const int items = s.n * s.split;
        for (int item = global_warp; item < items; item += warps_total) {
            const Segment g = segment_of(s, item);
            const int c0 = g.c0, c1 = g.c1;
            uint4 first[FIRST];
#pragma unroll
            for (int u = 0; u < FIRST; ++u) first[u] = next[u];
            // The next item's first batch goes out before this one is used.
            load_first(s, item + warps_total, lane, next);
            float acc = 0.0f;
#pragma unroll
            for (int u = 0; u < FIRST; ++u) {
                const int c = c0 + lane + u * 32;
                if (c < c1) acc += dot_shared(first[u], xs, c);
            }
            // Long rows: the rest in batches of UNROLL, every load issued (clamped to the
            // segment) before any is used.
            for (int c = c0 + lane + FIRST * 32; c - lane < c1; c += UNROLL * 32) {
                uint4 wv[UNROLL];
#pragma unroll
                for (int u = 0; u < UNROLL; ++u) wv[u] = __ldg(&g.w_row[min(c + u * 32, c1 - 1)]);
#pragma unroll
                for (int u = 0; u < UNROLL; ++u)
                    if (c + u * 32 < c1) acc += dot_shared(wv[u], xs, c + u * 32);
            }
            acc = warp_sum(acc);
            if (lane == 0) atomicAdd(&s.acc[g.row], acc);
        }
        if (p + 1 < count) load_first(steps[p + 1], global_warp, lane, next);
        grid_barrier(counter, (u32)(p + 1) * gridDim.x);
    }
    write_outputs(steps[count - 1]);
}
