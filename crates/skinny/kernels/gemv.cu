// GEMV family for decode (y[m, n] = x[m, k] · W[n, k]ᵀ, W row-major "nt").
//
// Versions:
// - gemv_baseline: one warp per output element y[i, j]; the warp walks row j of W with 16-byte
//   loads (8 elements a lane), multiplies by x[i], accumulates in f32 and reduces with shuffles.
//   Rows of x are blockIdx.y, so at m > 1 each row re-reads W (from L2 if it fits). The
//   yardstick the kernel family must beat. Needs k % 8 == 0 (16-byte aligned rows).
//
// Parameters: THREADS (block size, a multiple of 32).

#ifndef THREADS
#define THREADS 256
#endif

extern "C" __global__ void __launch_bounds__(THREADS)
gemv_baseline(const elem_t* __restrict__ x, const elem_t* __restrict__ w,
              elem_t* __restrict__ y, int n, int k) {
    const int warps_per_block = THREADS / 32;
    const int lane = threadIdx.x % 32;
    const int j = blockIdx.x * warps_per_block + threadIdx.x / 32;
    const int i = blockIdx.y;
    if (j >= n) return;
    const uint4* w_row = reinterpret_cast<const uint4*>(w + (size_t)j * k);
    const uint4* x_row = reinterpret_cast<const uint4*>(x + (size_t)i * k);
    const int vectors = k / 8;
    float acc = 0.0f;
    for (int c = lane; c < vectors; c += 32) acc += dot8(__ldg(&w_row[c]), __ldg(&x_row[c]));
    acc = warp_sum(acc);
    if (lane == 0) y[(size_t)i * n + j] = from_f32(acc);
}
