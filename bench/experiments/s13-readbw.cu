// Thirteenth session experiment (not part of skinny): how much of the read-bandwidth reading's
// spread between runs (4418–4635 GB/s in the twelfth session, while llama's chain moved 1.3 %)
// belongs to the read kernel's access pattern and how much to where the buffer lands.
// Build and run on the device: nvcc -O3 -arch=sm_90 -o readbw s13-readbw.cu && ./readbw
// Every pattern reads the same 4 GiB buffer (filled with 0x5a, as skinny's); each allocation is
// preceded by a spacer of a different size so that the buffer lands elsewhere; median of 15 runs.
#include <algorithm>
#include <cstdio>
#include <cstdint>
#include <vector>
#include <cuda_runtime.h>

// skinny's read kernel (kernels/aux.cu): grid-stride, four loads a stride apart in flight.
__global__ void read_strided(const uint4* __restrict__ buf, unsigned long long vectors, unsigned* sink) {
    const unsigned long long stride = (unsigned long long)gridDim.x * blockDim.x;
    unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
    unsigned acc = 0;
    for (; i + 3 * stride < vectors; i += 4 * stride) {
        uint4 a = __ldg(&buf[i]), b = __ldg(&buf[i + stride]);
        uint4 c = __ldg(&buf[i + 2 * stride]), d = __ldg(&buf[i + 3 * stride]);
        acc ^= a.x ^ a.y ^ a.z ^ a.w ^ b.x ^ b.y ^ b.z ^ b.w ^ c.x ^ c.y ^ c.z ^ c.w ^ d.x ^ d.y ^ d.z ^ d.w;
    }
    for (; i < vectors; i += stride) { uint4 a = __ldg(&buf[i]); acc ^= a.x ^ a.y ^ a.z ^ a.w; }
    if (acc == 0x9e3779b9u) sink[0] = acc;
}

// Each block a contiguous chunk, its threads UNROLL loads of consecutive block-wide rows.
template <int UNROLL>
__global__ void read_chunked(const uint4* __restrict__ buf, unsigned long long vectors, unsigned* sink) {
    const unsigned long long chunk = (vectors + gridDim.x - 1) / gridDim.x;
    const unsigned long long begin = blockIdx.x * chunk;
    const unsigned long long end = min(begin + chunk, vectors);
    unsigned acc = 0;
    unsigned long long i = begin + threadIdx.x;
    for (; i + (UNROLL - 1) * blockDim.x < end; i += UNROLL * blockDim.x) {
        uint4 v[UNROLL];
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) v[u] = __ldg(&buf[i + u * blockDim.x]);
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) acc ^= v[u].x ^ v[u].y ^ v[u].z ^ v[u].w;
    }
    for (; i < end; i += blockDim.x) { uint4 a = __ldg(&buf[i]); acc ^= a.x ^ a.y ^ a.z ^ a.w; }
    if (acc == 0x9e3779b9u) sink[0] = acc;
}

typedef void (*Kernel)(const uint4*, unsigned long long, unsigned*);
struct Pattern { const char* name; Kernel kernel; int blocks_per_sm; int threads; };

int main() {
    int sms = 0;
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
    const size_t bytes = size_t(4) << 30;
    const unsigned long long vectors = bytes / 16;
    Pattern patterns[] = {
        {"skinny strided 4x512", read_strided, 4, 512},
        {"strided 8x256", read_strided, 8, 256},
        {"strided 16x256", read_strided, 16, 256},
        {"chunked u4 4x512", read_chunked<4>, 4, 512},
        {"chunked u8 8x256", read_chunked<8>, 8, 256},
        {"chunked u4 16x256", read_chunked<4>, 16, 256},
    };
    unsigned* sink;
    cudaMalloc(&sink, 4);
    cudaEvent_t start, stop;
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    const size_t spacers[] = {0, size_t(2) << 20, size_t(130) << 20, size_t(1000) << 20, size_t(3) << 30};
    printf("placement,pattern,median_gbps,min_gbps,max_gbps\n");
    for (size_t spacer : spacers) {
        void* pad = nullptr;
        if (spacer) cudaMalloc(&pad, spacer);
        uint4* buf;
        if (cudaMalloc(&buf, bytes) != cudaSuccess) { printf("alloc failed\n"); return 1; }
        cudaMemset(buf, 0x5a, bytes);
        for (const Pattern& p : patterns) {
            std::vector<float> gbps;
            for (int rep = 0; rep < 16; ++rep) {
                cudaEventRecord(start);
                p.kernel<<<sms * p.blocks_per_sm, p.threads>>>(buf, vectors, sink);
                cudaEventRecord(stop);
                cudaEventSynchronize(stop);
                float ms = 0;
                cudaEventElapsedTime(&ms, start, stop);
                if (rep > 0) gbps.push_back(bytes / (ms * 1e-3) / 1e9);
            }
            std::sort(gbps.begin(), gbps.end());
            printf("spacer %zu MiB,%s,%.0f,%.0f,%.0f\n", spacer >> 20, p.name, gbps[gbps.size() / 2],
                   gbps.front(), gbps.back());
        }
        cudaFree(buf);
        if (pad) cudaFree(pad);
    }
    cudaError_t err = cudaDeviceSynchronize();
    printf("status: %s\n", cudaGetErrorString(err));
    return err == cudaSuccess ? 0 : 1;
}
