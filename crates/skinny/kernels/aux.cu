// Helpers of the CUDA backend: the ceilings' kernels, the queue-blocking spin, and the bias
// add that the `cublas/gemm+bias` baseline runs after its GEMM (as a framework's Linear does).
//
// Versions: one of each; they are measuring tools, not subjects.

// Launch + synchronize of nothing: the floor of every host round trip.
extern "C" __global__ void skinny_empty() {}

// Holds the stream for `ns` nanoseconds so that the host can queue timed calls behind it: the
// timed region then measures GPU time, not the host's launch rate.
extern "C" __global__ void skinny_spin(u64 ns) {
    u64 start, now;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
    do {
        __nanosleep(1000);
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
    } while (now - start < ns);
}

// A read-only 16-byte load, allocated in L1 (__ldg) or not (NO_L1: as gemv_mma's loads of W
// always were, and gemv_split's and gemv_nn_cluster's are since the thirty-seventh session). On
// the H200 a cold sized read of 8.7 MB took 4.79 µs a call with __ldg loads, a GEMV reading
// the same bytes without allocating 4.77, and this kernel without allocating 4.35; so the
// ceilings try both kinds and keep the faster.
template <bool NO_L1>
__device__ __forceinline__ uint4 read_vector(const uint4* p) {
    if (!NO_L1) return __ldg(p);
    uint4 v;
    asm("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
        : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
        : "l"(p));
    return v;
}

// Read-only bandwidth: every byte of `buf` read once with 16-byte loads, four in flight per
// thread. The XOR result is stored only if it equals an impossible value, so the loads cannot be
// removed and nothing is written.
template <bool NO_L1>
__device__ __forceinline__ void read_all(const uint4* __restrict__ buf, u64 vectors,
                                         u32* __restrict__ sink) {
    const u64 stride = (u64)gridDim.x * blockDim.x;
    u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x;
    u32 acc = 0;
    for (; i + 3 * stride < vectors; i += 4 * stride) {
        uint4 a = read_vector<NO_L1>(&buf[i]), b = read_vector<NO_L1>(&buf[i + stride]);
        uint4 c = read_vector<NO_L1>(&buf[i + 2 * stride]);
        uint4 d = read_vector<NO_L1>(&buf[i + 3 * stride]);
        acc ^= a.x ^ a.y ^ a.z ^ a.w ^ b.x ^ b.y ^ b.z ^ b.w;
        acc ^= c.x ^ c.y ^ c.z ^ c.w ^ d.x ^ d.y ^ d.z ^ d.w;
    }
    for (; i < vectors; i += stride) {
        uint4 a = read_vector<NO_L1>(&buf[i]);
        acc ^= a.x ^ a.y ^ a.z ^ a.w;
    }
    if (acc == 0x9e3779b9u) sink[0] = acc;
}

// The read kernel with loads not allocated in L1 (the decode read chain's, and one of the two
// the ceilings try).
extern "C" __global__ void skinny_read_bandwidth(const uint4* __restrict__ buf, u64 vectors,
                                                 u32* __restrict__ sink) {
    read_all<true>(buf, vectors, sink);
}

// The read kernel with plain read-only loads (__ldg), the ceilings' other kind.
extern "C" __global__ void skinny_read_bandwidth_l1(const uint4* __restrict__ buf, u64 vectors,
                                                    u32* __restrict__ sink) {
    read_all<false>(buf, vectors, sink);
}

// y[i, j] += bias[j], a separate pass over y.
extern "C" __global__ void skinny_bias_add(elem_t* __restrict__ y, const elem_t* __restrict__ bias,
                                           int m, int n) {
    const u64 idx = (u64)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (u64)m * n) return;
    const int j = (int)(idx % n);
    y[idx] = from_f32(to_f32(y[idx]) + to_f32(bias[j]));
}

// out[i] = uniform in [-scale, scale), from a hash of (seed, i): how `skinny decode` fills
// gigabytes of weights without generating them on the host.
extern "C" __global__ void skinny_fill_uniform(elem_t* __restrict__ out, u64 count, u64 seed,
                                               float scale) {
    const u64 stride = (u64)gridDim.x * blockDim.x;
    for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
        // SplitMix64 finaliser of seed + i.
        u64 z = seed + i * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        const float unit = (float)(z >> 40) * (1.0f / 16777216.0f);  // [0, 1), 24 bits
        out[i] = from_f32((2.0f * unit - 1.0f) * scale);
    }
}
