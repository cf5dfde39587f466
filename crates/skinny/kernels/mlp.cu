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
// The grid is one wave sized to the machine (the host picks blocks a SM), every block the same
// share of each run.
//
// Loads go to registers, as gemv_split's do (the twenty-first session's first version copied a
// block's runs to shared memory with cp.async, 75–204 KB a block, and streamed them far slower:
// PERF.md). Before the PDL wait a thread requests its share of the block's W2T rows (at most
// MLP_W2_VECTORS 16-byte vectors; the host sizes the grid so that they fit) and its warp's first
// MLP_ROWS rows of W1. After it: x to shared memory; each warp walks its rows of W1 (gate rows
// and other rows in one list), MLP_ROWS at a time, writing y1 and, for gate rows, h; then the
// block's share of down (h against the W2T vectors already in registers, summed in shared
// memory) is added into acc.
//
// The next product reads acc as f32 x (gemv.cu's X_F32), rounding each value to elem_t as it
// loads it: down's output as a 16-bit tensor, without a kernel to convert it. The caller zeroes
// acc before the kernel (decode: one memset of every layer's accumulator at the step's start).
//
// Needs k1 % 8 == 0 and n2 % 8 == 0 (16-byte rows), k2 ≤ n1, gridDim.x ≤ k2, n2 / 8 ≤
// MLP_THREADS, and a block's W2T rows at most MLP_W2_VECTORS a thread (`MlpShape::fits` on the
// host).
//
// Parameters: MLP_THREADS (block size, a multiple of 32), MLP_ROWS, MLP_UNROLL (vectors of a row
// a lane loads a step), MLP_W2_VECTORS, MLP_MIN_BLOCKS.

#ifndef MLP_THREADS
#define MLP_THREADS 256
#endif
#ifndef MLP_ROWS
#define MLP_ROWS 2
#endif
#ifndef MLP_UNROLL
#define MLP_UNROLL 4
#endif
#ifndef MLP_W2_VECTORS
#define MLP_W2_VECTORS 10
#endif
// How a block's down sums go into acc: 1, a scalar atomic add a float; 2, one vector reduction
// (red.global.add.v4.f32) every four floats; 0, not at all (timing experiments only: wrong).
#ifndef MLP_ADDS
#define MLP_ADDS 2
#endif

// Blocks a SM the register budget must allow (qwen: 2 a SM, 19 rows of W2T a block, 10 vectors
// a thread).
#ifndef MLP_MIN_BLOCKS
#define MLP_MIN_BLOCKS 2
#endif

constexpr int MLP_WARPS = MLP_THREADS / 32;

extern "C" __global__ void __launch_bounds__(MLP_THREADS, MLP_MIN_BLOCKS)
mlp_fused(const elem_t* __restrict__ x, const elem_t* __restrict__ w1,
          const elem_t* __restrict__ w2t, elem_t* __restrict__ y1, float* __restrict__ acc,
          int n1, int k1, int k2, int n2) {
    extern __shared__ __align__(16) unsigned char mlp_smem[];
    const int blocks = gridDim.x, b = blockIdx.x;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    // The block's share of h (= its gate rows = its W2T rows) and of the other gate_up rows.
    const int c0 = (int)((long long)b * k2 / blocks);
    const int c1 = (int)((long long)(b + 1) * k2 / blocks);
    const int others = n1 - k2;
    const int e0 = (int)((long long)b * others / blocks);
    const int e1 = (int)((long long)(b + 1) * others / blocks);
    const int nc = c1 - c0, rows = nc + (e1 - e0);
    const int vectors1 = k1 / 8, vectors2 = n2 / 8;

    // Shared memory, as the host sizes it (MlpShape::shared_bytes): x, the block's n2 sums, h.
    elem_t* x_s = reinterpret_cast<elem_t*>(mlp_smem);
    float* sum_s = reinterpret_cast<float*>(x_s + k1);
    float* h_s = sum_s + n2;

    // The thread's vectors of the block's W2T rows: outputs 8·nv .. 8·nv + 7 of rows g, g + G,
    // g + 2G, ... of the run, where the block's threads form G = MLP_THREADS / (n2 / 8) groups
    // (threads past them, and rows past the run, hold zeros).
    const int groups = MLP_THREADS / vectors2;
    const int g = threadIdx.x / vectors2, nv = threadIdx.x % vectors2;
    const uint4* w2_run = reinterpret_cast<const uint4*>(w2t + (size_t)c0 * n2);
    uint4 w2v[MLP_W2_VECTORS];
#pragma unroll
    for (int j = 0; j < MLP_W2_VECTORS; ++j) {
        const int c = g + j * groups;
        w2v[j] = g < groups && c < nc ? __ldg(&w2_run[(size_t)c * vectors2 + nv])
                                      : make_uint4(0, 0, 0, 0);
    }

    // Row r of the block's list: gate rows first, then the other rows (past the list: a valid
    // row, computed, never stored).
    auto row_of = [&](int r) {
        r = min(r, rows - 1);
        return r < nc ? c0 + r : k2 + e0 + (r - nc);
    };
    uint4 wv[MLP_ROWS][MLP_UNROLL];
    // The warp's rows from `r0`, vectors from `base`: its lane's MLP_UNROLL vectors of each.
    auto load_rows = [&](int r0, int base) {
#pragma unroll
        for (int i = 0; i < MLP_ROWS; ++i) {
            const uint4* row = reinterpret_cast<const uint4*>(w1 + (size_t)row_of(r0 + i) * k1);
#pragma unroll
            for (int u = 0; u < MLP_UNROLL; ++u) {
                const int c = base + lane + 32 * u;
                wv[i][u] = c < vectors1 ? __ldg(&row[c]) : make_uint4(0, 0, 0, 0);
            }
        }
    };
    const int first = warp * MLP_ROWS, stride = MLP_WARPS * MLP_ROWS;
    if (rows > 0) load_rows(first, 0);

    // x, y1 and acc only after the kernel before has finished.
    pdl_begin_after_loads(k1 > 0);
    for (int v = threadIdx.x; v < vectors1; v += MLP_THREADS)
        reinterpret_cast<uint4*>(x_s)[v] = __ldg(reinterpret_cast<const uint4*>(x) + v);
    for (int i = threadIdx.x; i < n2; i += MLP_THREADS) sum_s[i] = 0.0f;
    __syncthreads();

    const uint4* xv = reinterpret_cast<const uint4*>(x_s);
    bool loaded = true;
    for (int r0 = first; r0 < rows; r0 += stride) {
        float s[MLP_ROWS];
#pragma unroll
        for (int i = 0; i < MLP_ROWS; ++i) s[i] = 0.0f;
        for (int base = 0; base < vectors1; base += 32 * MLP_UNROLL) {
            if (!loaded) load_rows(r0, base);
            loaded = false;
#pragma unroll
            for (int u = 0; u < MLP_UNROLL; ++u) {
                const int c = base + lane + 32 * u;
                if (c < vectors1) {
                    const uint4 xc = xv[c];
#pragma unroll
                    for (int i = 0; i < MLP_ROWS; ++i) s[i] += dot8(wv[i][u], xc);
                }
            }
        }
#pragma unroll
        for (int i = 0; i < MLP_ROWS; ++i) {
            const float sum = warp_sum(s[i]);
            const int r = r0 + i;
            if (lane == 0 && r < rows) {
                const elem_t out = from_f32(sum);
                y1[row_of(r)] = out;
                if (r < nc) h_s[r] = to_f32(out);
            }
        }
    }
    __syncthreads();

    // The block's share of down: the thread's W2T vectors times h of their rows, summed over
    // its rows in registers, then over the groups in shared memory.
    if (g < groups) {
        float d[8];
#pragma unroll
        for (int e = 0; e < 8; ++e) d[e] = 0.0f;
#pragma unroll
        for (int j = 0; j < MLP_W2_VECTORS; ++j) {
            const int c = g + j * groups;
            if (c < nc) {
                float wf[8];
                unpack8(w2v[j], wf);
                const float hc = h_s[c];
#pragma unroll
                for (int e = 0; e < 8; ++e) d[e] = fmaf(hc, wf[e], d[e]);
            }
        }
#pragma unroll
        for (int e = 0; e < 8; ++e) atomicAdd(&sum_s[8 * nv + e], d[e]);
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
