// Shared by every skinny kernel; prepended to each source before NVRTC compiles it.
//
// NVRTC 13 has no built-in cuda_bf16.h / cuda_fp16.h, and shipping CUDA's headers would tie the
// build to a toolkit install. bf16 and f16 values are therefore carried as 16-bit patterns and
// converted with single PTX instructions: bf16 -> f32 is a shift, the others are cvt.
//
// The element type is chosen at compile time: -DSKINNY_BF16 or -DSKINNY_F16.

typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

__device__ __forceinline__ float bf16_to_f32(u16 v) { return __uint_as_float(((u32)v) << 16); }
__device__ __forceinline__ u16 f32_to_bf16(float f) {
    u16 r;
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r) : "f"(f));
    return r;
}
__device__ __forceinline__ float f16_to_f32(u16 v) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(v));
    return f;
}
__device__ __forceinline__ u16 f32_to_f16(float f) {
    u16 r;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(r) : "f"(f));
    return r;
}

#if defined(SKINNY_BF16)
typedef u16 elem_t;
__device__ __forceinline__ float to_f32(elem_t v) { return bf16_to_f32(v); }
__device__ __forceinline__ elem_t from_f32(float f) { return f32_to_bf16(f); }
#elif defined(SKINNY_F16)
typedef u16 elem_t;
__device__ __forceinline__ float to_f32(elem_t v) { return f16_to_f32(v); }
__device__ __forceinline__ elem_t from_f32(float f) { return f32_to_f16(f); }
#elif defined(SKINNY_F32)
typedef float elem_t;
__device__ __forceinline__ float to_f32(elem_t v) { return v; }
__device__ __forceinline__ elem_t from_f32(float f) { return f; }
#endif

#if defined(SKINNY_BF16) || defined(SKINNY_F16)
// Dot product of two 16-byte vectors of eight 16-bit elements, in f32.
__device__ __forceinline__ float dot8(uint4 a, uint4 b) {
    const u32 av[4] = {a.x, a.y, a.z, a.w};
    const u32 bv[4] = {b.x, b.y, b.z, b.w};
    float acc = 0.0f;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        acc = fmaf(to_f32((elem_t)(av[i] & 0xffffu)), to_f32((elem_t)(bv[i] & 0xffffu)), acc);
        acc = fmaf(to_f32((elem_t)(av[i] >> 16)), to_f32((elem_t)(bv[i] >> 16)), acc);
    }
    return acc;
}
#endif

#if defined(SKINNY_BF16) || defined(SKINNY_F16)
// The eight 16-bit elements of a 16-byte vector, widened to f32.
__device__ __forceinline__ void unpack8(uint4 v, float out[8]) {
    const u32 words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        out[2 * i] = to_f32((elem_t)(words[i] & 0xffffu));
        out[2 * i + 1] = to_f32((elem_t)(words[i] >> 16));
    }
}
#endif

#if defined(SKINNY_BF16)
#define MMA_AB "bf16.bf16"
#elif defined(SKINNY_F16)
#define MMA_AB "f16.f16"
#endif

#ifdef MMA_AB
// d += A·B for one m16n8k16 tensor-core tile (mma.cu, persistent.cu), f32 accumulation.
__device__ __forceinline__ void mma_16816(float d[4], u32 a0, u32 a1, u32 a2, u32 a3, u32 b0,
                                          u32 b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32." MMA_AB ".f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}
#endif

// PREFETCH (a registry parameter of gemv_split, gemv_mma and gemv_mma_ring): the L2 prefetch
// size the kernel's loads of W carry (PTX .level::prefetch_size), so that a request for part of
// a line has the L2 fetch the whole 128-byte line, or the aligned 256 bytes around it, from DRAM.
// 0 (default): no qualifier, the loads as they were.
#ifndef PREFETCH
#define PREFETCH 0
#endif
#if PREFETCH == 0
#define W_PREFETCH ""
#elif PREFETCH == 64
#define W_PREFETCH ".L2::64B"
#elif PREFETCH == 128
#define W_PREFETCH ".L2::128B"
#elif PREFETCH == 256
#define W_PREFETCH ".L2::256B"
#else
#error "PREFETCH must be 0, 64, 128 or 256"
#endif

// W_NO_L1 (a registry parameter of gemv_split and gemv_nn_cluster; thirty-seventh session): 1
// (default) marks the kernel's loads of W L1::no_allocate, as gemv_mma's always are (W is read
// once); 0: plain read-only loads (__ldg), as before. Measured on the H200 (PERF.md, thirty-seventh
// session, call 2): gpu_cold 0.3-0.6 µs faster a call on every M = 1 nn winner and on dot/m1_*,
// graph and hot within noise. Those families' plain loads cost 1.2-1.6 µs more in a stream of
// cold calls than in a graph of the same calls, where gemv_mma's cost 0.8-1.0 (the launch
// difference alone); why a stream pays for L1 allocation is not established.
#ifndef W_NO_L1
#define W_NO_L1 1
#endif
#if W_NO_L1
#define W_L1_HINT ".L1::no_allocate"
#else
#define W_L1_HINT ""
#endif

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

// Programmatic dependent launch (sm_90 and later), compiled in only for plans that launch with
// it (-DSKINNY_PDL=1): every skinny kernel calls this before it touches x, y or a workspace
// (the bias entries of gemv_split and gemv_mma request the bias before it: see
// `bias_requested_early`). It waits until the kernel before it in the stream has finished and its
// writes are visible, then lets the next kernel be scheduled, so that its blocks are resident and
// past their prologue by the time this one drains. Waiting first keeps the chain at most one kernel
// ahead. (Not compiled in otherwise: the wait costs every block, and on grids of 10^5 one-row
// blocks that was up to 1.5× the kernel's time on the H200, 2026-11-21.)
//
// EARLY_TRIGGER = 1 (a registry parameter of gemv_split and gemv_baseline) lets the next kernel
// be scheduled before the wait instead, so it may start while this one still waits on the one
// before: two kernels ahead. Every kernel still waits for the whole kernel before it, so results
// do not change; what changes is which kernels may be running when a block requests its W early.
// Measured per variant (twelfth session, calls 5–7): on qwen's one-wave, short-row products
// (qkv and lm_head on four-row one-warp blocks, o and down on four-row eight-warp blocks) it
// took the PDL chain from 327.2 to 321.5 µs; on gate_up, and on all kernels at once (ninth
// session), it lost; moving the trigger later (after the loop or the stores) lost 5–79 µs.
#ifndef SKINNY_PDL
#define SKINNY_PDL 0
#endif
#ifndef EARLY_TRIGGER
#define EARLY_TRIGGER 0
#endif
__device__ __forceinline__ void pdl_begin() {
#if SKINNY_PDL && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#if EARLY_TRIGGER
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
    asm volatile("griddepcontrol.wait;" ::: "memory");
#else
    asm volatile("griddepcontrol.wait;" ::: "memory");
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
#endif
}

// pdl_begin for a kernel that has just issued loads of W to overlap the wait (weights never
// depend on the kernel before); `opaque_true` is any run-time value that is always true there.
// ptxas hoists griddepcontrol.wait (ACQBULK) above independent loads whatever the source order,
// which kept them waiting with everything else (SASS of gemv_split, gemv_baseline and gemv_mma,
// third to eighth sessions). It does not hoist it out of a branch whose arms differ, so the wait
// sits in both arms of one the compiler cannot decide (SASS of every registered variant checked,
// NVRTC 13.0, ninth session). A CTA fence between loads and wait also kept the order, but
// MEMBAR.ALL.CTA held each warp until its W had landed, putting W and x in series in every block
// that starts after the kernel before has finished: llama's chain lost 4 % (ninth session); a
// zero-length nanosleep alone kept only some loads ahead. The trigger is where pdl_begin puts
// it (EARLY_TRIGGER).
__device__ __forceinline__ void pdl_begin_after_loads(bool opaque_true) {
#if SKINNY_PDL && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    if (opaque_true) {
        pdl_begin();
    } else {
        asm volatile("nanosleep.u32 0;" ::: "memory");
        pdl_begin();
    }
#endif
}

// The bias of the one output an epilogue thread writes, requested with the kernel's first W
// (under PDL before the wait): like W it never depends on the kernel before (the PDL plan's
// contract), so its round trip overlaps the wait, or the first W, instead of following the
// reduction; in a decode chain each layer's bias is cold. Thread t < outputs writes the output
// of row j0 + t % rows of W (rows past n repeat the last one: read, never stored); other threads
// and problems without a bias get 0. Used by the bias entries of gemv_split and gemv_mma.
#if defined(SKINNY_BF16) || defined(SKINNY_F16) || defined(SKINNY_F32)
__device__ __forceinline__ float bias_requested_early(const elem_t* __restrict__ bias, int j0,
                                                      int rows, int outputs, int n) {
    float value = 0.0f;
    if (bias != nullptr && threadIdx.x < (unsigned)outputs)
        value = to_f32(__ldg(&bias[min(j0 + (int)threadIdx.x % rows, n - 1)]));
    return value;
}
#endif

// mbarriers and bulk copies (sm_90): the ring of shared-memory stages that bulk.cu and
// persistent.cu fill with the copy engine.
__device__ __forceinline__ u32 shared_address(const void* p) {
    return (u32)__cvta_generic_to_shared(p);
}

__device__ __forceinline__ void barrier_init(u64* bar, u32 arrivals) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(shared_address(bar)), "r"(arrivals)
                 : "memory");
}

// One arrival that also announces `bytes` of copies to come: the phase completes when they land.
__device__ __forceinline__ void barrier_expect_bytes(u64* bar, u32 bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;"
                 ::"r"(shared_address(bar)), "r"(bytes)
                 : "memory");
}

// One plain arrival (a consumer done with a stage).
__device__ __forceinline__ void barrier_arrive(u64* bar) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(shared_address(bar)) : "memory");
}

// Whether the phase of parity `parity` has completed (the thread may be suspended a while first).
__device__ __forceinline__ bool barrier_try_wait(u64* bar, u32 parity) {
    u32 done;
    asm volatile(
        "{\n\t.reg .pred p;\n\t"
        "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n\t"
        "selp.u32 %0, 1, 0, p;\n\t}"
        : "=r"(done)
        : "r"(shared_address(bar)), "r"(parity)
        : "memory");
    return done != 0;
}

__device__ __forceinline__ void barrier_wait(u64* bar, u32 parity) {
    while (!barrier_try_wait(bar, parity)) {
    }
}

// Global → shared by the copy engine; completion is counted in bytes on `bar`.
__device__ __forceinline__ void bulk_copy(void* dst, const void* src, u32 bytes, u64* bar) {
    asm volatile(
        "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];"
        ::"r"(shared_address(dst)), "l"(src), "r"(bytes), "r"(shared_address(bar))
        : "memory");
}
