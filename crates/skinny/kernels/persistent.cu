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
// stages: tiles of 16 rows against x on the tensor cores (m16n8k16, x in every column of B), or
// rows on the CUDA cores for stages of fewer than 16 rows and for products of few rows a block,
// shared out between the warps, written
// straight to y with the bias (a row never spans SMs, so there is no second pass over global
// memory). While they wait, the ring goes on filling with the next products' weights, so the
// DRAM stream runs across product boundaries; on Qwen a SM's ring (~190 KB) holds most of a
// layer's share (~225 KB).
//
// How a product's input is known to be complete: every output is also written to an exchange
// word, its 16 bits next to a 16-bit tag of the launch (`xchg`, 32-bit stores, which a reader
// sees whole or not at all). A consumer stages x by reading the exchange words of the product
// before until each carries this launch's tag. No fence, no counter: a first v5 counted blocks
// in with a release reduction, and that release waited 0.6–2.6 µs a product (it drains the SM's
// outstanding memory traffic, the ring's copies included) on top of the count's round trip.
// The tag is the launch's epoch (`sync[0]`) mod 65535, plus one: never 0, which the freshly
// zeroed words carry (the low 16 bits of epoch + 1 were 0 once every 65536 launches). The last
// block to finish (counted in `sync[1]`) advances the epoch, once every block has read it. The
// host zeroes the exchange words and `sync` once, when it allocates them.
//
// Versions:
// - v1–v4 (session 5): W loaded into registers after each barrier, sums by atomicAdd: 916 → 729 µs
//   a qwen token, slower than the graph chain (452).
// - v5a (session 6): the copy-engine ring above, inputs known by a grid count (release/acquire):
//   586–596 µs; the release was 0.6–2.6 µs of each product.
// - v5b: inputs known by tagged exchange words: 500 µs. Its trace showed the consumers, a warp
//   per row on the CUDA cores, as the bottleneck: warp 0 waited ~1 µs of gate_up's 5.9 for
//   stages, the rest was arithmetic (27 GB/s a SM of 896-element rows, against ~35 of DRAM).
// - v5c: the consumers on the tensor cores (about a sixth of the instructions per byte), every
//   warp on every stage (tiles split along k, partial sums in shared memory): lock-stepped, each
//   stage ~2 µs: qwen 634 µs, llama 8942 µs.
// - v5d: a ring slot to one warp (8 warps), tiles on the tensor cores with two accumulators:
//   qwen 561 µs (lm_head 62 µs, at the DRAM rate; down, 3 rows a stage, slow), llama 7307 µs
//   (stages of 1–4 rows: a tile is 75–94 % padding, and one warp takes 3–11 µs a stage).
// - v5e: a ring slot to a group of warps (16 warps); tensor-core tiles only for stages of 16 rows
//   or more, a warp a row on the CUDA cores otherwise: qwen 466.6 µs, llama 82.7 %. The small
//   products' single tile ran on one warp's tensor core (~0.5 µs at 16 cycles an mma), and the
//   busy warps of all slots sat on two of the four SM sub-partitions.
// - v5f: units (tiles or rows) split along k between the slot's warps when there are fewer units
//   than warps (partial sums in shared memory, a named barrier a slot): slower, 499 µs; the
//   small products' time is not their arithmetic.
// - v5g: v5e with a slot's warps spread over the sub-partitions: 475–477 µs. With the ring's
//   depth capped from the host (`--persistent-stages` 2, 3, 4): 571, 510, 503 µs; the L2 round
//   trip for x did not shorten with fewer copies in flight.
// - v5h: units (tiles, or rows for stages of fewer than 16) round all 16 consumer warps, every
//   warp watching every stage: 471 µs, llama 85.2 %. A tile of 896-element rows took one warp
//   ~1.2 µs, which the small products (one tile a SM) paid in full.
// - v5i: rows, not tiles, for products of at most 32 rows a block: 464 µs; the small products'
//   rows took 0.5 µs (a tile 1.2), the large ones lost to every warp watching every stage.
// - v5j: the slots' own warps again (v5g) for large products; a small product's rows round all
//   the warps through a per-slot "landed" number: 479 µs (qkv and o 2.4–2.6 µs a product, down,
//   three stages of three rows, 7.3).
// - v5k (this one): only one-stage products are worked round all the warps.
//
// Layout of a block: CONSUMER_WARPS consumer warps, then one producer warp (lane 0 issues the
// copies). Dynamic shared memory: the ring (`stages` × `stage_bytes`), then x (k 16-bit
// values). All blocks must be resident at once (the host launches cooperatively); a wait longer
// than WAIT_GUARD_NS (a second unless the host asks for more, as under compute-sanitizer) traps,
// so a misuse is an error, not a hang.
//
// Trace (`skinny decode --persistent` reports it): when `trace` is not null, each block records
// globaltimer stamps per product p at trace[(blockIdx.x · count + p) · TRACE_STAMPS + i]: i = 0
// the block begins p, 1 x staged (the input complete), 2 its rows written, 3 the producer's first
// copy of p issued, 4 its last (3 and 4: blocks with rows of p only), 5 p's first stage landed
// (seen by its owner), 6 the nanoseconds the slots' first warps spent waiting for p's stages to
// land (summed over the slots, so it can exceed the product's span when slots wait at once), 7 the
// last unit's arithmetic begun, 8 the last unit's outputs written. (The H200's globaltimer ticks
// about once a microsecond: single stamps are coarse; means over blocks and products less so.)
//
// Needs stages ≤ MAX_STAGES, m = 1, W "nt" with k % 8 == 0 (16-byte rows; copies are multiples
// of 16 bytes), a row that fits a stage (k · 2 ≤ stage_bytes), and 16-bit elements. Parameters:
// CONSUMER_WARPS, MAX_STAGES.

#ifndef CONSUMER_WARPS
#define CONSUMER_WARPS 15
#endif
#ifndef MAX_STAGES
#define MAX_STAGES 8
#endif
#ifndef WAIT_GUARD_NS
#define WAIT_GUARD_NS 1000000000ull
#endif
#define CONSUMER_THREADS (CONSUMER_WARPS * 32)
// Named barrier 1: the consumer warps only (the producer never joins it).
#define CONSUMER_BARRIER 1
// Rows of a tensor-core tile.
#define TILE_ROWS 16
// A product's biases a block keeps in shared memory (more rows read theirs from global memory).
#define BIAS_CAP 512
// Stamps a block records per product when tracing.
#define TRACE_STAMPS 9

// One product of the chain; written by the host (`StreamStep` in decode.rs), same layout.
struct StreamStep {
    const elem_t* w;       // [n, k]
    const elem_t* x;       // [k]: the token vector, when x_xchg is null
    const u32* x_xchg;     // else the exchange words of the step whose output x is
                           // (16-byte aligned)
    elem_t* y;             // [n]
    u32* y_xchg;           // [n]: this step's exchange words
    const elem_t* bias;    // [n] or null
    int n;
    int k;
};
static_assert(sizeof(StreamStep) == 56, "StreamStep must match StreamStep::BYTES on the host");

__device__ __forceinline__ u64 global_time() {
    u64 t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}

__device__ __forceinline__ void trap_after_wait_guard(u64 start) {
    if (global_time() - start > WAIT_GUARD_NS) __trap();
}

__device__ __forceinline__ void stamp(u64* trace, int count, int product, int which) {
    if (trace != nullptr)
        trace[((size_t)blockIdx.x * count + product) * TRACE_STAMPS + which] = global_time();
}

// A guarded mbarrier wait: as barrier_wait, but a wait past WAIT_GUARD_NS traps.
__device__ __forceinline__ void stage_wait(u64* bar, u32 parity) {
    const u64 start = global_time();
    while (!barrier_try_wait(bar, parity)) trap_after_wait_guard(start);
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

// Rows a stage holds: whole rows, a multiple of TILE_ROWS when there are that many (so that no
// tile is mostly empty).
__device__ __forceinline__ int rows_per_stage(int k, int stage_bytes) {
    const int fit = stage_bytes / (k * (int)sizeof(elem_t));
    return fit >= TILE_ROWS ? fit / TILE_ROWS * TILE_ROWS : fit;
}

// The producer: every product's rows of this block, in chain order, a stage at a time; a slot is
// refilled once its warps have released it.
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
        if (r.begin < r.end) stamp(trace, count, p, 4);
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
        trap_after_wait_guard(start);
    }
}

// The low halves of eight exchange words as one vector of eight elements.
__device__ __forceinline__ uint4 untag(uint4 a, uint4 b) {
    return make_uint4((a.x & 0xffffu) | (a.y << 16), (a.z & 0xffffu) | (a.w << 16),
                      (b.x & 0xffffu) | (b.y << 16), (b.z & 0xffffu) | (b.w << 16));
}

#define STAGE_BATCH 2

// x of a product into shared memory, as it is (16-bit elements): the token vector, or the
// exchange words of the product before once they carry this launch's tag (which is how a consumer
// learns that the product before is complete). Every load of a batch is issued before any is
// checked.
__device__ __forceinline__ void stage_x(const StreamStep& s, u32 tag, uint4* xs) {
    const int vectors = s.k / 8;
    for (int base = threadIdx.x; base < vectors; base += STAGE_BATCH * CONSUMER_THREADS) {
        uint4 v[STAGE_BATCH];
        if (s.x_xchg == nullptr) {
#pragma unroll
            for (int u = 0; u < STAGE_BATCH; ++u)
                v[u] = __ldg(reinterpret_cast<const uint4*>(s.x) +
                             min(base + u * CONSUMER_THREADS, vectors - 1));
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
                await_tagged(s.x_xchg + 8 * min(base + u * CONSUMER_THREADS, vectors - 1), tag,
                             a[u], b[u]);
                v[u] = untag(a[u], b[u]);
            }
        }
#pragma unroll
        for (int u = 0; u < STAGE_BATCH; ++u) {
            const int c = base + u * CONSUMER_THREADS;
            if (c < vectors) xs[c] = v[u];
        }
    }
}

// One tile of TILE_ROWS rows of a stage against x, on the tensor cores (m16n8k16, f32
// accumulation), over 32-element k blocks. Lane (g, t) = (lane / 4, lane % 4) loads 16 bytes of
// rows g and g + 8 at vector 4·kb + t, and x's vector 4·kb + t for every column of B: k is
// permuted inside the block (slots 2t, 2t + 1, 2t + 8, 2t + 9 of the first mma hold elements
// 8t .. 8t + 3, those of the second 8t + 4 .. 8t + 7), identically for W and x, so the sums are
// the dot products, and every column of the result is the same. Even and odd blocks accumulate
// apart, so that consecutive mmas do not wait on each other. Rows past the stage's end are read
// as its last row (their sums are not used); vectors past the row's end read as zeros. (v5d
// dropped the last block when the whole blocks were odd in number and a partial one followed:
// the awkward chain's k = 16376 caught it.)
// Returns, in lanes with t = 0, row g's sum in .x and row g + 8's in .y.
__device__ __forceinline__ float2 tile_dot(const uint4* stage, int rows, int vectors,
                                           const uint4* xs, int tile, int lane) {
    const int g = lane / 4, t = lane % 4;
    const uint4* wa = stage + (size_t)min(tile * TILE_ROWS + g, rows - 1) * vectors + t;
    const uint4* wb = stage + (size_t)min(tile * TILE_ROWS + g + 8, rows - 1) * vectors + t;
    const uint4* xv = xs + t;
    float even[4] = {0.0f, 0.0f, 0.0f, 0.0f}, odd[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    // Whole blocks two at a time, then the rest.
    int v = 0;
    for (; v + 8 <= vectors; v += 8) {
        const uint4 a0 = wa[v], b0 = wb[v], x0 = xv[v];
        const uint4 a1 = wa[v + 4], b1 = wb[v + 4], x1 = xv[v + 4];
        mma_16816(even, a0.x, b0.x, a0.y, b0.y, x0.x, x0.y);
        mma_16816(odd, a1.x, b1.x, a1.y, b1.y, x1.x, x1.y);
        mma_16816(even, a0.z, b0.z, a0.w, b0.w, x0.z, x0.w);
        mma_16816(odd, a1.z, b1.z, a1.w, b1.w, x1.z, x1.w);
    }
    for (; v < vectors; v += 4) {  // an odd block out, and a partial last one
        const bool in = v + t < vectors;
        const uint4 zero = make_uint4(0, 0, 0, 0);
        const uint4 a = in ? wa[v] : zero, b = in ? wb[v] : zero, x = in ? xv[v] : zero;
        mma_16816(even, a.x, b.x, a.y, b.y, x.x, x.y);
        mma_16816(odd, a.z, b.z, a.w, b.w, x.z, x.w);
    }
    return make_float2(even[0] + odd[0], even[2] + odd[2]);
}

// One row of a stage against x on the CUDA cores, for stages of fewer than TILE_ROWS rows (a
// tensor-core tile would be mostly padding, and its loads of padding rows cost as much as real
// ones): the warp's dot product, summed over its lanes.
__device__ __forceinline__ float row_dot(const uint4* row, int vectors, const uint4* xs, int lane) {
    float even = 0.0f, odd = 0.0f;
    int c = lane;
    for (; c + 32 < vectors; c += 64) {
        const uint4 w0 = row[c], w1 = row[c + 32], x0 = xs[c], x1 = xs[c + 32];
        even += dot8(w0, x0);
        odd += dot8(w1, x1);
    }
    if (c < vectors) even += dot8(row[c], xs[c]);
    return warp_sum(even + odd);
}

// Row `row` of a product done: y (with its bias) and the exchange word the next product waits on.
__device__ __forceinline__ void write_output(const StreamStep& s, int row, float v, u32 tag,
                                             const float* bias_s, int bias_first) {
    if (s.bias != nullptr) {
        const int j = row - bias_first;
        v += j < BIAS_CAP ? bias_s[j] : to_f32(s.bias[row]);
    }
    const elem_t out = from_f32(v);
    s.y[row] = out;
    asm volatile("st.relaxed.gpu.global.u32 [%0], %1;"
                 ::"l"(s.y_xchg + row), "r"((tag << 16) | (u32)out)
                 : "memory");
}

// A unit's outputs: a tile's rows g and g + 8 (held by lanes t = 0), or a row (lane 0).
__device__ __forceinline__ void write_unit(const StreamStep& s, int first, int rows, bool tiled,
                                           int unit, float2 sums, u32 tag, const float* bias_s,
                                           int bias_first, int lane) {
    if (tiled) {
        const int r0 = unit * TILE_ROWS + lane / 4, r1 = r0 + 8;
        if (lane % 4 == 0 && r0 < rows)
            write_output(s, first + r0, sums.x, tag, bias_s, bias_first);
        if (lane % 4 == 0 && r1 < rows)
            write_output(s, first + r1, sums.y, tag, bias_s, bias_first);
    } else if (lane == 0) {
        write_output(s, first + unit, sums.x, tag, bias_s, bias_first);
    }
}

// The warps of ring slot `slot`: warps slot, slot + stages, slot + 2·stages, ... (so that the
// slots' first warps sit on different SM sub-partitions).
__device__ __forceinline__ int slot_warps(int slot, int stages) {
    return (CONSUMER_WARPS - slot + stages - 1) / stages;
}

// A shared word read with acquire semantics (CTA scope): what the writer did before its release
// of the value read is visible after.
__device__ __forceinline__ int load_acquire(const int* word) {
    int v;
    asm volatile("ld.acquire.cta.shared::cta.u32 %0, [%1];"
                 : "=r"(v)
                 : "r"(shared_address(word))
                 : "memory");
    return v;
}

__device__ __forceinline__ void store_release(int* word, int value) {
    asm volatile("st.release.cta.shared::cta.u32 [%0], %1;" ::"r"(shared_address(word)), "r"(value)
                 : "memory");
}

// Spin until a shared word reaches `value`, acquiring what was released with it.
__device__ __forceinline__ void await_word(const int* word, int value) {
    if (load_acquire(word) == value) return;
    const u64 start = global_time();
    while (load_acquire(word) != value) trap_after_wait_guard(start);
}

// The consumers: for each product, stage its input, then work this block's stages of it.
//
// Ring slot i belongs to its own warps (`slot_warps`): only they wait on its mbarriers, each of
// them for every fill in turn, and release it; the slot is refilled once all of them have. So a
// ring's worth of stages are worked at once, and each mbarrier's phases are watched only by
// warps that see every one of them in order (a warp that skipped fills could mistake a phase
// two fills old for the one it waits for).
//
// Products of more than one stage or more than 2·CONSUMER_WARPS rows a block are worked by the
// slots' own warps: tiles of TILE_ROWS rows on the tensor cores (rows on the CUDA cores when a
// stage holds fewer). A small product, one stage of a few rows (qwen's qkv and o: 7–9 a SM), is
// worked a row a warp round all the consumer warps: the slot's first warp, once the fill has
// landed, publishes its sequence number in `landed[slot]` (a number, not a phase, so nothing
// aliases), the warps count their rows done in `done[slot]`, and the slot's first warp releases
// the slot, for all of its warps, only when every row is done.
__device__ void consume(const StreamStep* steps, int count, u32 tag, const unsigned char* ring,
                        int stages, int stage_bytes, u64* full, u64* empty, uint4* xs,
                        float* bias_s, int* landed, int* done, u64* trace) {
    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    const int my_slot = warp % stages, member = warp / stages;
    const int members = slot_warps(my_slot, stages);
    u32 seq = 0;
    int next_warp = 0;  // the warp that takes a small product's next row
    for (int p = 0; p < count; ++p) {
        const StreamStep s = steps[p];
        const RowRange r = rows_of(s.n, p);
        if (threadIdx.x == 0) stamp(trace, count, p, 0);
        // The biases do not depend on the input: requested before it is awaited.
        if (s.bias != nullptr)
            for (int j = threadIdx.x; j < min(r.end - r.begin, BIAS_CAP); j += CONSUMER_THREADS)
                bias_s[j] = to_f32(s.bias[r.begin + j]);
        stage_x(s, tag, xs);
        consumers_sync();
        if (threadIdx.x == 0) stamp(trace, count, p, 1);

        const int per_stage = rows_per_stage(s.k, stage_bytes);
        const bool small = r.end - r.begin <= 2 * CONSUMER_WARPS && r.end - r.begin <= per_stage;
        const bool tiled = !small && per_stage >= TILE_ROWS;
        const int vectors = s.k / 8;
        for (int first = r.begin; first < r.end; first += per_stage, ++seq) {
            const int slot = (int)(seq % stages);
            const int rows = min(per_stage, r.end - first);
            const bool mine = slot == my_slot;
            u64* at = trace + ((size_t)blockIdx.x * count + p) * TRACE_STAMPS;
            if (mine && (member == 0 || !small)) {
                const u64 wait_start = trace != nullptr ? global_time() : 0;
                stage_wait(&full[slot], (seq / stages) & 1);
                if (lane == 0 && member == 0) {
                    // Release: the warps that acquire the number see the landed stage too.
                    if (small) store_release(&landed[slot], (int)seq + 1);
                    if (trace != nullptr) {
                        const u64 now = global_time();
                        if (first == r.begin) at[5] = now;
                        atomicAdd(&at[6], now - wait_start);
                    }
                }
            }
            const uint4* stage = reinterpret_cast<const uint4*>(ring + (size_t)slot * stage_bytes);
            if (small) {
                // Rows round all the warps.
                int worked = 0;
                for (int row = (warp - next_warp + CONSUMER_WARPS) % CONSUMER_WARPS; row < rows;
                     row += CONSUMER_WARPS, ++worked) {
                    await_word(&landed[slot], (int)seq + 1);
                    if (lane == 0 && trace != nullptr) atomicMax(&at[7], global_time());
                    const float v = row_dot(stage + (size_t)row * vectors, vectors, xs, lane);
                    if (lane == 0) write_output(s, first + row, v, tag, bias_s, r.begin);
                    if (lane == 0 && trace != nullptr) atomicMax(&at[8], global_time());
                }
                next_warp = (next_warp + rows) % CONSUMER_WARPS;
                __syncwarp();
                if (lane == 0 && worked > 0) {
                    __threadfence_block();  // this warp's reads of the stage come before its count
                    atomicAdd(&done[slot], worked);
                }
                if (mine && member == 0 && lane == 0) {
                    // Every row of the fill worked: the slot may be refilled. The first warp
                    // arrives for all of the slot's warps; the others neither wait for a small
                    // product's fills nor release them (an early arrival of theirs could count
                    // toward the fill before, while its rows were still being worked).
                    await_word(done + slot, rows);
                    // The counted warps' reads of the stage come before this release of it.
                    __threadfence_block();
                    done[slot] = 0;
                    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0], %1;" ::"r"(
                                     shared_address(&empty[slot])),
                                 "r"(members)
                                 : "memory");
                }
                continue;
            }
            if (!mine) continue;
            const int units = tiled ? (rows + TILE_ROWS - 1) / TILE_ROWS : rows;
            for (int unit = member; unit < units; unit += members) {
                if (lane == 0 && trace != nullptr) atomicMax(&at[7], global_time());
                const float2 sums =
                    tiled ? tile_dot(stage, rows, vectors, xs, unit, lane)
                          : make_float2(row_dot(stage + (size_t)unit * vectors, vectors, xs, lane),
                                        0.0f);
                write_unit(s, first, rows, tiled, unit, sums, tag, bias_s, r.begin, lane);
                if (lane == 0 && trace != nullptr) atomicMax(&at[8], global_time());
            }
            __syncwarp();
            if (lane == 0) barrier_arrive(&empty[slot]);
        }
        // x and the biases are no longer read (the next product may restage them). (The warp's
        // lanes meet first: lane 0 of a slot's first warp may have waited alone above.)
        __syncwarp();
        consumers_sync();
        if (threadIdx.x == 0) stamp(trace, count, p, 2);
    }
}

extern "C" __global__ void __launch_bounds__((CONSUMER_WARPS + 1) * 32, 1)
chain_stream(const StreamStep* __restrict__ steps, int count, u32* __restrict__ sync, int stages,
             int stage_bytes, u64* __restrict__ trace) {
    extern __shared__ __align__(128) unsigned char ring[];
    __shared__ __align__(8) u64 full[MAX_STAGES];
    __shared__ __align__(8) u64 empty[MAX_STAGES];
    __shared__ float bias_s[BIAS_CAP];
    __shared__ u32 epoch;
    __shared__ int landed[MAX_STAGES];
    __shared__ int done[MAX_STAGES];
    uint4* xs = reinterpret_cast<uint4*>(ring + (size_t)stages * stage_bytes);

    if (threadIdx.x < MAX_STAGES) {
        landed[threadIdx.x] = 0;
        done[threadIdx.x] = 0;
    }
    if (threadIdx.x == 0) {
        for (int s = 0; s < stages; ++s) {
            barrier_init(&full[s], 1);
            barrier_init(&empty[s], slot_warps(s, stages));
        }
        // Make the initialised barriers visible to the copy engine before it signals them.
        asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
        asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
        epoch = __ldcg(&sync[0]);
    }
    __syncthreads();
    if (threadIdx.x < CONSUMER_THREADS) {
        const u32 tag = epoch % 0xffffu + 1u;  // 1..65535: never a zeroed word's
        consume(steps, count, tag, ring, stages, stage_bytes, full, empty, xs, bias_s, landed, done,
                trace);
        // The last block to finish advances the epoch: every block has read it by then.
        if (threadIdx.x == 0 && atomicAdd(&sync[1], 1u) == gridDim.x - 1) {
            sync[1] = 0;
            atomicAdd(&sync[0], 1u);
        }
    } else if (threadIdx.x == CONSUMER_THREADS) {
        produce(steps, count, ring, stages, stage_bytes, full, empty, trace);
    }
}
