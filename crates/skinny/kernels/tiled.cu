// Shared-memory tiled GEMMs: the comparison points of the original probe study. They are not
// decode kernels (a BM-row tile of x is mostly empty at m = 1) and are not expected to win;
// they show what a textbook GEMM costs on decode shapes and cover what the GEMV family does
// not: any n and k (element loads with bounds checks, no alignment needs), any m, both layouts.
//
// W_NT selects how W is read: 1: W is [n, k] ("nt", y = x·Wᵀ); 0: W is [k, n] ("nn", y = x·W).
// Registering the nn-tuned kernel with W_NT = 1 is the transpose override: the same tiles fed
// nt weights by swapping W's strides, not by copying W.
//
// Versions:
// - gemm_tiles: 256 threads compute a BM×BN tile of y; each K step stages a BM×BK tile of x and
//   a BK×BN tile of W in shared memory (as f32), then every thread accumulates BM·BN/256
//   outputs of one column. Parameters BM, BN (a divisor of 256), BK, W_NT.
// - gemm_tiled: the plain 16×16 version, one output per thread (TILE = 16, W_NT).
// Both apply the epilogue (alpha, bias, beta·y) before the store.

#ifndef W_NT
#define W_NT 1
#endif
#ifndef BM
#define BM 32
#endif
#ifndef BN
#define BN 32
#endif
#ifndef BK
#define BK 32
#endif

// W[kk, jj] in the kernel's [k, n] view, whatever the storage.
__device__ __forceinline__ float w_at(const elem_t* __restrict__ w, int n, int k, int kk, int jj) {
#if W_NT
    return to_f32(w[(size_t)jj * k + kk]);
#else
    return to_f32(w[(size_t)kk * n + jj]);
#endif
}

__device__ __forceinline__ void store_out(elem_t* __restrict__ y, const elem_t* __restrict__ bias,
                                          int n, int i, int j, float acc, float alpha,
                                          float beta) {
    float s = acc * alpha;
    if (bias != nullptr) s += to_f32(bias[j]);
    const size_t at = (size_t)i * n + j;
    if (beta != 0.0f) s += beta * to_f32(y[at]);
    y[at] = from_f32(s);
}

extern "C" __global__ void __launch_bounds__(256)
gemm_tiles(const elem_t* __restrict__ x, const elem_t* __restrict__ w, elem_t* __restrict__ y,
           const elem_t* __restrict__ bias, int m, int n, int k, float alpha, float beta) {
    pdl_begin();
    static_assert(256 % BN == 0, "BN must divide the 256 threads of a block");
    constexpr int ROW_STEP = 256 / BN;
    static_assert(BM % ROW_STEP == 0, "BM must be a multiple of 256 / BN");
    constexpr int PER_THREAD = BM / ROW_STEP;
    // +1: a column walk of either tile touches 32 different banks.
    __shared__ float xs[BM][BK + 1];
    __shared__ float ws[BK][BN + 1];

    const int tid = threadIdx.x;
    const int i0 = blockIdx.y * BM, j0 = blockIdx.x * BN;
    const int col = tid % BN, row = tid / BN;
    float acc[PER_THREAD];
#pragma unroll
    for (int p = 0; p < PER_THREAD; ++p) acc[p] = 0.0f;

    for (int k0 = 0; k0 < k; k0 += BK) {
        for (int e = tid; e < BM * BK; e += 256) {
            const int r = e / BK, c = e % BK;
            xs[r][c] = (i0 + r < m && k0 + c < k) ? to_f32(x[(size_t)(i0 + r) * k + k0 + c]) : 0.0f;
        }
        for (int e = tid; e < BK * BN; e += 256) {
            // Consecutive threads walk W's contiguous dimension, so the loads coalesce.
#if W_NT
            const int jj = e / BK, kk = e % BK;
#else
            const int kk = e / BN, jj = e % BN;
#endif
            ws[kk][jj] = (j0 + jj < n && k0 + kk < k) ? w_at(w, n, k, k0 + kk, j0 + jj) : 0.0f;
        }
        __syncthreads();
#pragma unroll 8
        for (int kk = 0; kk < BK; ++kk) {
            const float b = ws[kk][col];
#pragma unroll
            for (int p = 0; p < PER_THREAD; ++p)
                acc[p] = fmaf(xs[row + p * ROW_STEP][kk], b, acc[p]);
        }
        __syncthreads();
    }

    const int j = j0 + col;
#pragma unroll
    for (int p = 0; p < PER_THREAD; ++p) {
        const int i = i0 + row + p * ROW_STEP;
        if (i < m && j < n) store_out(y, bias, n, i, j, acc[p], alpha, beta);
    }
}

extern "C" __global__ void __launch_bounds__(256)
gemm_tiled(const elem_t* __restrict__ x, const elem_t* __restrict__ w, elem_t* __restrict__ y,
           const elem_t* __restrict__ bias, int m, int n, int k, float alpha, float beta) {
    pdl_begin();
    constexpr int TILE = 16;
    __shared__ float xs[TILE][TILE + 1];
    __shared__ float ws[TILE][TILE + 1];
    const int tx = threadIdx.x % TILE, ty = threadIdx.x / TILE;
    const int i = blockIdx.y * TILE + ty, j = blockIdx.x * TILE + tx;
    float acc = 0.0f;
    for (int k0 = 0; k0 < k; k0 += TILE) {
        xs[ty][tx] = (i < m && k0 + tx < k) ? to_f32(x[(size_t)i * k + k0 + tx]) : 0.0f;
#if W_NT
        // Thread (ty, tx) loads W row j0 + ty, column k0 + tx: contiguous along k.
        const int jj = blockIdx.x * TILE + ty, kk = k0 + tx;
        ws[tx][ty] = (jj < n && kk < k) ? w_at(w, n, k, kk, jj) : 0.0f;
#else
        const int kk = k0 + ty;
        ws[ty][tx] = (j < n && kk < k) ? w_at(w, n, k, kk, j) : 0.0f;
#endif
        __syncthreads();
#pragma unroll
        for (int e = 0; e < TILE; ++e) acc = fmaf(xs[ty][e], ws[e][tx], acc);
        __syncthreads();
    }
    if (i < m && j < n) store_out(y, bias, n, i, j, acc, alpha, beta);
}
