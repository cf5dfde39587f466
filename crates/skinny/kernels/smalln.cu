// GEMV for many rows of x and a tiny N (y[m, n] = x[m, k] · W[n, k]ᵀ, n ≤ MAX_N): a LoRA
// down-projection (128×8×512) or a router. Here x, not W, is the big operand: W is a few KB and
// stays in L1, so the kernel is organised around streaming x once.
//
// Versions:
// - gemv_smalln: one warp per row of x; the lanes split K with 16-byte loads of x, and each
//   x vector is used against all n rows of W (read through L1) before the next is loaded, so x
//   is read exactly once. The n sums live in registers (MAX_N of them) and are reduced with
//   shuffles; the epilogue (alpha, bias, beta·y) is fused. Needs k % 8 == 0.
//
// Parameters: WARPS (rows of x per block), MAX_N, UNROLL (x vectors in flight a lane).

#ifndef WARPS
#define WARPS 4
#endif
#ifndef MAX_N
#define MAX_N 8
#endif
#ifndef UNROLL
#define UNROLL 2
#endif

#if defined(SKINNY_BF16) || defined(SKINNY_F16)
extern "C" __global__ void __launch_bounds__(WARPS * 32)
gemv_smalln(const elem_t* __restrict__ x, const elem_t* __restrict__ w, elem_t* __restrict__ y,
            const elem_t* __restrict__ bias, int m, int n, int k, float alpha, float beta) {
    pdl_begin();
    const int lane = threadIdx.x % 32;
    const int i = blockIdx.x * WARPS + threadIdx.x / 32;
    if (i >= m) return;
    const int vectors = k / 8;
    const uint4* x_row = reinterpret_cast<const uint4*>(x + (size_t)i * k);
    const uint4* w_vec = reinterpret_cast<const uint4*>(w);

    float acc[MAX_N];
#pragma unroll
    for (int j = 0; j < MAX_N; ++j) acc[j] = 0.0f;

    for (int base = lane; base < vectors; base += 32 * UNROLL) {
        uint4 xv[UNROLL];
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const int c = base + 32 * u;
            xv[u] = c < vectors ? __ldg(x_row + c) : make_uint4(0, 0, 0, 0);
        }
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const int c = base + 32 * u;
            if (c >= vectors) continue;
            // Rows past n repeat the last row (computed, never stored): a bounds check per load
            // made the compiler issue the loads one after another (8.1 µs on 128×8×512 on the
            // H200 against 2.4 for a warp per output).
#pragma unroll
            for (int j = 0; j < MAX_N; ++j)
                acc[j] += dot8(xv[u], __ldg(w_vec + (size_t)min(j, n - 1) * vectors + c));
        }
    }

#pragma unroll
    for (int j = 0; j < MAX_N; ++j) {
        if (j >= n) break;
        const float sum = warp_sum(acc[j]);
        // Each output is stored by a different lane, so the n stores go out together.
        if (lane == j % 32) {
            float s = sum * alpha;
            if (bias != nullptr) s += to_f32(bias[j]);
            const size_t at = (size_t)i * n + j;
            if (beta != 0.0f) s += beta * to_f32(y[at]);
            y[at] = from_f32(s);
        }
    }
}
#endif
