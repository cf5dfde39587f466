// A decoder layer's MLP in one kernel, for `skinny decode` at m = 1: gate_up and down with no
// kernel boundary between them.
//
// Why: in qwen2.5-0.5b's PDL chain every product boundary costs about 1.1 µs (the chain's time
// above its bytes, over its 97 products; the tiny-latency chain agrees), and the software routes
// to a cheaper boundary are measured and lost (PERF.md, twelfth and twentieth sessions). Down
// needs all of gate_up's outputs, but only through h = act(gate_up), which is elementwise: a
// block that computes a range of h can apply it to down at once as a split of down's K, and the
// splits meet in f32 with atomic adds. So the layer's MLP loses a boundary.
//
//   y1 = x·W1ᵀ                (gate_up: W1 [n1, k1], "nt"; every row written to y1)
//   h  = y1[0 .. k2), rounded to elem_t, the chain's stand-in for the activation (decode.rs:
//        down reads the first k2 values of gate_up's output). SwiGLU would pair row c with row
//        k2 + c; both would then sit in one block, and nothing else changes.
//   acc += h·W2ᵀ              (down: acc [n2] f32, zeroed before the kernel; W2 is given
//                              transposed, W2T [k2, n2], which an engine prepares once at load)
//
// With W2 transposed, a range of h is a run of whole rows of W2T: every block reads three
// contiguous runs (its gate rows, its W2T rows, its other gate_up rows), never a strided column.
// The block's runs are copied to shared memory with cp.async, all at the start and before the
// PDL wait (weights never depend on the kernel before), so the layer's whole MLP is asked of HBM
// while the product before drains. The grid is one wave sized to the machine (the host picks
// blocks a SM), every block the same share of each run.
//
// Order of work a block: its gate rows land first (group 0) and give its h; its W2T rows
// (group 1) give its share of down, added into acc; its other gate_up rows (group 2) last, so
// only their short dot products follow the last byte.
//
// The next product reads acc as f32 x (gemv.cu's X_F32), rounding each value to elem_t as it
// loads it: down's output as a 16-bit tensor, without a kernel to convert it. The caller zeroes
// acc before the kernel (decode: one memset of every layer's accumulator at the step's start).
//
// Needs k1 % 8 == 0 and n2 % 8 == 0 (16-byte rows), k2 ≤ n1, gridDim.x ≤ k2.
//
// Parameters: MLP_THREADS (block size, a multiple of 32).

#ifndef MLP_THREADS
#define MLP_THREADS 256
#endif
// How a block's down sums go into acc: 1, a scalar atomic add a float; 2, one vector reduction
// (red.global.add.v4.f32) every four floats; 0, not at all (timing experiments only: wrong).
#ifndef MLP_ADDS
#define MLP_ADDS 2
#endif

__device__ __forceinline__ void mlp_copy16(void* dst, const void* src) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(shared_address(dst)), "l"(src)
                 : "memory");
}

__device__ __forceinline__ void mlp_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }

template <int pending>
__device__ __forceinline__ void mlp_wait() {
    asm volatile("cp.async.wait_group %0;" ::"n"(pending) : "memory");
}

// `vectors` 16-byte vectors from `src` to `dst`, shared out over the block.
__device__ __forceinline__ void mlp_copy_run(elem_t* dst, const elem_t* src, int vectors) {
    const uint4* s = reinterpret_cast<const uint4*>(src);
    uint4* d = reinterpret_cast<uint4*>(dst);
    for (int v = threadIdx.x; v < vectors; v += MLP_THREADS) mlp_copy16(d + v, s + v);
}

// Rows [first, first + rows) of the block's W1 copy against x (both in shared memory); row r of
// the copy is gate_up row `row0 + r`. Writes y1, and h (rounded) where `h` is not null.
__device__ __forceinline__ void mlp_rows(const elem_t* w1s, const elem_t* xs, int rows, int k1,
                                         int row0, elem_t* __restrict__ y1, float* h) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int vectors = k1 / 8;
    const uint4* xv = reinterpret_cast<const uint4*>(xs);
    for (int r = warp; r < rows; r += MLP_THREADS / 32) {
        const uint4* wv = reinterpret_cast<const uint4*>(w1s + (size_t)r * k1);
        float s = 0.0f;
        for (int v = lane; v < vectors; v += 32) s += dot8(wv[v], xv[v]);
        s = warp_sum(s);
        if (lane == 0) {
            const elem_t out = from_f32(s);
            y1[row0 + r] = out;
            if (h != nullptr) h[r] = to_f32(out);
        }
    }
}

extern "C" __global__ void __launch_bounds__(MLP_THREADS)
mlp_fused(const elem_t* __restrict__ x, const elem_t* __restrict__ w1,
          const elem_t* __restrict__ w2t, elem_t* __restrict__ y1, float* __restrict__ acc,
          int n1, int k1, int k2, int n2) {
    extern __shared__ __align__(16) unsigned char mlp_smem[];
    const int blocks = gridDim.x, b = blockIdx.x;
    // The block's share of h (= its gate rows = its W2T rows) and of the other gate_up rows.
    const int c0 = (int)((long long)b * k2 / blocks);
    const int c1 = (int)((long long)(b + 1) * k2 / blocks);
    const int others = n1 - k2;
    const int e0 = (int)((long long)b * others / blocks);
    const int e1 = (int)((long long)(b + 1) * others / blocks);
    const int max_c = (k2 + blocks - 1) / blocks, max_e = (others + blocks - 1) / blocks;
    const int nc = c1 - c0, ne = e1 - e0;

    // Shared memory, as the host sizes it (mlp_shared_bytes in the backend): gate rows, other
    // rows, W2T rows, x, the block's down sums, h. Every part a multiple of 16 bytes.
    elem_t* gate_s = reinterpret_cast<elem_t*>(mlp_smem);
    elem_t* other_s = gate_s + (size_t)max_c * k1;
    elem_t* w2_s = other_s + (size_t)max_e * k1;
    elem_t* x_s = w2_s + (size_t)max_c * n2;
    float* sum_s = reinterpret_cast<float*>(x_s + k1);
    float* h_s = sum_s + n2;

    mlp_copy_run(gate_s, w1 + (size_t)c0 * k1, nc * k1 / 8);
    mlp_commit();
    mlp_copy_run(w2_s, w2t + (size_t)c0 * n2, nc * n2 / 8);
    mlp_commit();
    mlp_copy_run(other_s, w1 + (size_t)(k2 + e0) * k1, ne * k1 / 8);
    mlp_commit();

    // x, y1 and acc only after the kernel before has finished.
    pdl_begin_after_loads(k1 > 0);
    for (int v = threadIdx.x; v < k1 / 8; v += MLP_THREADS)
        reinterpret_cast<uint4*>(x_s)[v] = __ldg(reinterpret_cast<const uint4*>(x) + v);

    mlp_wait<2>();
    __syncthreads();
    mlp_rows(gate_s, x_s, nc, k1, c0, y1, h_s);

    mlp_wait<1>();
    __syncthreads();
    // The block's share of down: thread t sums outputs 8v .. 8v + 7 over the block's h.
    for (int v = threadIdx.x; v < n2 / 8; v += MLP_THREADS) {
        float s[8];
#pragma unroll
        for (int e = 0; e < 8; ++e) s[e] = 0.0f;
        for (int c = 0; c < nc; ++c) {
            float wf[8];
            unpack8(reinterpret_cast<const uint4*>(w2_s + (size_t)c * n2)[v], wf);
            const float hc = h_s[c];
#pragma unroll
            for (int e = 0; e < 8; ++e) s[e] = fmaf(hc, wf[e], s[e]);
        }
#pragma unroll
        for (int e = 0; e < 8; ++e) sum_s[8 * v + e] = s[e];
    }
    __syncthreads();
    // Consecutive threads add into consecutive floats.
#if MLP_ADDS == 1
    for (int i = threadIdx.x; i < n2; i += MLP_THREADS) atomicAdd(&acc[i], sum_s[i]);
#elif MLP_ADDS == 2
    for (int i = 4 * threadIdx.x; i < n2; i += 4 * MLP_THREADS) {
        const float4 v = *reinterpret_cast<const float4*>(sum_s + i);
        asm volatile("red.global.add.v4.f32 [%0], {%1, %2, %3, %4};" ::"l"(acc + i), "f"(v.x),
                     "f"(v.y), "f"(v.z), "f"(v.w)
                     : "memory");
    }
#endif

    mlp_wait<0>();
    __syncthreads();
    mlp_rows(other_s, x_s, ne, k1, k2 + e0, y1, nullptr);
}

// out[c, n] = in[n, c] for in [rows, cols]: down's weights as mlp_fused reads them. Run once
// when the chain is set up, never in the timed step. 32 × 32 tiles through shared memory.
extern "C" __global__ void mlp_transpose(const elem_t* __restrict__ in, elem_t* __restrict__ out,
                                         int rows, int cols) {
    __shared__ elem_t tile[32][33];
    const int c = blockIdx.x * 32 + threadIdx.x;
    for (int dy = threadIdx.y; dy < 32; dy += blockDim.y) {
        const int r = blockIdx.y * 32 + dy;
        if (r < rows && c < cols) tile[dy][threadIdx.x] = in[(size_t)r * cols + c];
    }
    __syncthreads();
    const int r = blockIdx.y * 32 + threadIdx.x;
    for (int dy = threadIdx.y; dy < 32; dy += blockDim.y) {
        const int cc = blockIdx.x * 32 + dy;
        if (cc < cols && r < rows) out[(size_t)cc * rows + r] = tile[threadIdx.x][dy];
    }
}
