// GEMV for weights stored [k, n] ("nn": y[m, n] = x[m, k] · W[k, n]), m ≤ MAX_M.
//
// In this layout a row of W is one k for every output, so the natural walk is along n: each
// thread owns 8 adjacent outputs (one 16-byte load a row of W) and the k rows are the reduction.
// A shape with few outputs and a long K (896 outputs, k = 4864) has too few column tiles to fill
// 132 SMs, so K is also split across blocks (gridDim.y splits of k_chunk rows, chosen by the host
// to give about two blocks a SM).
//
// Versions:
// - gemv_nn: a block of 256 threads owns COLS outputs and k_chunk rows of K; its threads are
//   COLS / 8 column lanes × the rest as k lanes, each k lane walking every (256 / (COLS / 8))-th
//   row with UNROLL loads in flight. The k lanes meet in shared memory. With one split the block
//   applies the epilogue and stores y. With several, each block writes its partial sums to a
//   workspace, and the last block of a column tile to arrive (a counter per tile) adds the
//   partials in split order (deterministic: the same inputs give the same bits), applies the
//   epilogue and resets the counter, so the next call, or a graph replay, needs no memset.
//   Needs n % 8 == 0 (16-byte rows).
// - gemv_nn_cluster (eighth session): the split-K partials never leave the chip. The CLUSTER
//   blocks of a column tile form a thread-block cluster (sm_90), each owning 1/CLUSTER of K.
//   Each block sums its k lanes (shuffles within a warp, then shared memory across warps) and
//   sends each of its MAX_M·COLS sums into the shared memory of the block that finishes that
//   output (block q owns slice q), with st.async, which counts the bytes on the receiver's
//   mbarrier: no fence and no cluster barrier after the sums (a release barrier compiled to a
//   GPU-wide MEMBAR). Once its mbarrier completes, each block adds its inbox in rank order
//   (deterministic), applies the epilogue and stores y. The only cluster barrier (every block
//   started, so its shared memory may be written) is arrived at on entry and waited for just
//   before the sends. First version (call 1, 2): each block pulled its slice with remote loads
//   between two full cluster barriers, 1.0–1.2 µs over the nt times on the small shapes. gemv_nn's
//   workspace round trip (partials stored, a fence, a counter, then the last block loading
//   `splits` partials an output, four at a time) measured 2–3 µs on the H200's small nn shapes
//   (seventh session, call 8: qwen o 5.56 µs nn against 3.30 nt). A step's x is loaded with its
//   W, not after it: by each lane for its own rows, or with XSHFL once a warp (below). CLUSTER = 1
//   is a plain column-tile kernel (no split, no barrier). gemv_nn_cluster_bias (thirty-first
//   session) is the same for problems with a bias, which it requests with the first W instead
//   of after the sums.
//
// Parameters: COLS (32, 64, 128 or 256), MAX_M (≤ 4: the shared-memory reduction holds
// MAX_M·COLS sums per k lane), UNROLL; gemv_nn_cluster also CLUSTER (1 to 16; past 8 is beyond
// the portable cluster size and the host opts the kernel in; any count, not only a power of two,
// so that the rows a k lane walks can fit whole steps: 1×4096² at 64 outputs a block over
// clusters of 7 walks 18 rows a k lane in 5 steps of 4. Not so that blocks spread evenly: a
// cluster is placed whole on one GPC, and 126 or 392 blocks left SMs with none, s36 call 1),
// UNROLL up to 16, MIN_BLOCKS (the blocks a SM `__launch_bounds__` promises: 2, 3 or 4 cap the
// registers at 128, 80 or 64) and
// XSHFL (0 or 1; thirty-third session): 1 loads each x value once a warp and passes it round by
// shuffles, not once a lane. What that saves is load instructions: a lane's step of the M ≤ 2,
// 8-row build issued 8 W loads and 16 x loads (each an LSU instruction and an L1 wavefront,
// however many lanes share the address), 8 + 1 with XSHFL, and that took 2×4096² from 13.03 µs
// to 12.02 where the same rows at the same occupancy with x a lane took 13.76 (s33 call 1).

#ifndef COLS
#define COLS 128
#endif
#ifndef MAX_M
#define MAX_M 1
#endif
#ifndef UNROLL
#define UNROLL 4
#endif
#ifndef CLUSTER
#define CLUSTER 8
#endif
#ifndef XSHFL
#define XSHFL 0
#endif
#ifndef MIN_BLOCKS
#define MIN_BLOCKS 2
#endif

#if defined(SKINNY_BF16) || defined(SKINNY_F16)
// The epilogue of output `at` (column j). `bias_loaded`: the bias value is already here in `b`
// (gemv_nn_cluster_bias requested it with the first W); otherwise it is read from `bias`, if any.
// A flag and a value rather than always a value: loading the bias into `b` before the call took
// gemv_nn_cluster's bias-free M = 1 builds from 64 registers to 72 (four blocks a SM to three).
__device__ __forceinline__ float nn_epilogue(float s, const elem_t* __restrict__ bias,
                                             const elem_t* y, size_t at, int j, float alpha,
                                             float beta, bool bias_loaded = false,
                                             float b = 0.0f) {
    s *= alpha;
    if (bias_loaded) s += b;
    else if (bias != nullptr) s += to_f32(bias[j]);
    if (beta != 0.0f) s += beta * to_f32(y[at]);
    return s;
}

extern "C" __global__ void __launch_bounds__(256)
gemv_nn(const elem_t* __restrict__ x, const elem_t* __restrict__ w, elem_t* __restrict__ y,
        const elem_t* __restrict__ bias, int m, int n, int k, float alpha, float beta,
        float* __restrict__ partial, unsigned* __restrict__ counters, int k_chunk) {
    pdl_begin();
    static_assert(COLS == 32 || COLS == 64 || COLS == 128 || COLS == 256,
                  "COLS must be 32, 64, 128 or 256");
    static_assert(MAX_M >= 1 && MAX_M <= 4, "MAX_M must be in 1..=4");
    constexpr int CT = COLS / 8;    // column lanes
    constexpr int KT = 256 / CT;    // k lanes
    __shared__ float red[KT][MAX_M][COLS];
    __shared__ bool last;

    const int tid = threadIdx.x;
    const int ct = tid % CT, kt = tid / CT;
    const int col = blockIdx.x * COLS + 8 * ct;
    const int k_begin = blockIdx.y * k_chunk;
    const int k_end = min(k, k_begin + k_chunk);

    float acc[MAX_M][8];
#pragma unroll
    for (int i = 0; i < MAX_M; ++i)
#pragma unroll
        for (int e = 0; e < 8; ++e) acc[i][e] = 0.0f;

    if (col < n) {
        for (int r0 = k_begin + kt; r0 < k_end; r0 += KT * UNROLL) {
            uint4 wv[UNROLL];
#pragma unroll
            for (int u = 0; u < UNROLL; ++u) {
                const int r = r0 + u * KT;
                wv[u] = r < k_end ? __ldg(reinterpret_cast<const uint4*>(w + (size_t)r * n + col))
                                  : make_uint4(0, 0, 0, 0);
            }
#pragma unroll
            for (int u = 0; u < UNROLL; ++u) {
                const int r = r0 + u * KT;
                if (r >= k_end) continue;
                float wf[8];
                unpack8(wv[u], wf);
#pragma unroll
                for (int i = 0; i < MAX_M; ++i) {
                    if (i >= m) continue;
                    const float xv = to_f32(x[(size_t)i * k + r]);
#pragma unroll
                    for (int e = 0; e < 8; ++e) acc[i][e] = fmaf(wf[e], xv, acc[i][e]);
                }
            }
        }
    }
#pragma unroll
    for (int i = 0; i < MAX_M; ++i)
#pragma unroll
        for (int e = 0; e < 8; ++e) red[kt][i][8 * ct + e] = acc[i][e];
    __syncthreads();

    const int splits = gridDim.y;
    for (int o = tid; o < MAX_M * COLS; o += 256) {
        const int i = o / COLS, c = o % COLS, j = blockIdx.x * COLS + c;
        if (i >= m || j >= n) continue;
        float s = 0.0f;
#pragma unroll
        for (int v = 0; v < KT; ++v) s += red[v][i][c];
        const size_t at = (size_t)i * n + j;
        if (splits == 1)
            y[at] = from_f32(nn_epilogue(s, bias, y, at, j, alpha, beta));
        else
            partial[((size_t)blockIdx.y * m + i) * n + j] = s;
    }
    if (splits == 1) return;

    // Publish this block's partials, then count it in; the last block of the tile sums them.
    __threadfence();
    __syncthreads();
    if (tid == 0) last = atomicAdd(&counters[blockIdx.x], 1u) == (unsigned)splits - 1;
    __syncthreads();
    if (!last) return;
    __threadfence();
    for (int o = tid; o < MAX_M * COLS; o += 256) {
        const int i = o / COLS, c = o % COLS, j = blockIdx.x * COLS + c;
        if (i >= m || j >= n) continue;
        float s = 0.0f;
#pragma unroll 4
        for (int sp = 0; sp < splits; ++sp) s += __ldcg(&partial[((size_t)sp * m + i) * n + j]);
        const size_t at = (size_t)i * n + j;
        y[at] = from_f32(nn_epilogue(s, bias, y, at, j, alpha, beta));
    }
    if (tid == 0) counters[blockIdx.x] = 0;
}

// A 16-byte row piece of W for gemv_nn_cluster: __ldg, or with W_NO_L1 the same read-only load
// not allocated in L1.
__device__ __forceinline__ uint4 load_w_piece(const elem_t* p) {
#if W_NO_L1
    uint4 v;
    asm("ld.global.nc" W_L1_HINT ".v4.u32 {%0, %1, %2, %3}, [%4];"
        : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
        : "l"(p));
    return v;
#else
    return __ldg(reinterpret_cast<const uint4*>(p));
#endif
}

// This block's rank in its cluster.
__device__ __forceinline__ u32 cluster_rank() {
    u32 r;
    asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
    return r;
}

// The first cluster barrier, split: every block arrives on entry and waits just before its
// first remote store, by when the others have long started (their shared memory and mbarrier
// exist and are initialised), so the wait costs nothing.
__device__ __forceinline__ void cluster_arrive_relaxed() {
    asm volatile("barrier.cluster.arrive.relaxed.aligned;" ::: "memory");
}
__device__ __forceinline__ void cluster_wait() {
    asm volatile("barrier.cluster.wait.aligned;" ::: "memory");
}

// Store `v` at `slot`'s offset in the shared memory of the cluster's block `rank` and count its
// four bytes on that block's mbarrier at `bar`'s offset (st.async: no fence, no round trip; the
// receiver sees the value once its mbarrier's phase completes).
__device__ __forceinline__ void cluster_send(const float* slot, const u64* bar, u32 rank, float v) {
    u32 remote_slot, remote_bar;
    asm volatile("mapa.shared::cluster.u32 %0, %1, %2;"
                 : "=r"(remote_slot)
                 : "r"(shared_address(slot)), "r"(rank));
    asm volatile("mapa.shared::cluster.u32 %0, %1, %2;"
                 : "=r"(remote_bar)
                 : "r"(shared_address(bar)), "r"(rank));
    asm volatile("st.async.shared::cluster.mbarrier::complete_tx::bytes.b32 [%0], %1, [%2];" ::"r"(
                     remote_slot),
                 "r"(__float_as_uint(v)), "r"(remote_bar)
                 : "memory");
}

// The body of both cluster entries below. EARLY_BIAS (thirty-first session): the bias of the one
// output a thread finishes is requested with its first W, not after the cluster's sums have
// landed, where it was one more cold DRAM round trip at the end of every block (1×1152×896 nn
// with bias, s31 table: 4.01 µs against 3.31 nt, where 896×896 without one is 3.49 against 3.09).
// An entry of its own (gemv_nn_cluster_bias), so that the bias-free builds keep their SASS.
template <bool EARLY_BIAS>
__device__ __forceinline__ void nn_cluster_cols(const elem_t* __restrict__ x,
                                                const elem_t* __restrict__ w,
                                                elem_t* __restrict__ y,
                                                const elem_t* __restrict__ bias, int m, int n,
                                                int k, float alpha, float beta) {
    pdl_begin();
    static_assert(COLS == 32 || COLS == 64 || COLS == 128 || COLS == 256,
                  "COLS must be 32, 64, 128 or 256");
    static_assert(MAX_M >= 1 && MAX_M <= 4, "MAX_M must be in 1..=4");
    static_assert(CLUSTER >= 1 && CLUSTER <= 16, "CLUSTER must be in 1..=16");
    static_assert(UNROLL >= 1 && UNROLL <= 16, "UNROLL must be in 1..=16");
    constexpr int WARPS = 8;
    constexpr int CT = COLS / 8;   // column lanes (a warp's lanes are CT columns × KW k lanes)
    constexpr int KW = 32 / CT;    // k lanes in a warp
    constexpr int KT = WARPS * KW; // k lanes in the block
    constexpr int OUTS = MAX_M * COLS;
    __shared__ float red[WARPS][OUTS];
    // Block q finishes outputs q·SLICE .. of the tile, `mine` of them: SLICE each, but where
    // CLUSTER does not divide MAX_M·COLS the last blocks have fewer, or none (then nothing is
    // sent to them and they leave once their own sums are sent).
    // (A power-of-two CLUSTER divides it, and the code below is then what it was before other
    // counts were allowed: the rank read where it was, after the arrival. Reading it first, above
    // the mbarrier's set-up, drew racecheck hazards between barrier_init and
    // barrier_expect_bytes on every build in s36's re-tune, where s33–s35 had none.)
    constexpr int SLICE = (OUTS + CLUSTER - 1) / CLUSTER;
    constexpr bool EVEN = OUTS % CLUSTER == 0;
    // The outputs block `r` finishes where CLUSTER does not divide MAX_M·COLS.
    const auto uneven_slice = [](int r) { return max(0, min(SLICE, OUTS - r * SLICE)); };
    // inbox[q][t]: block q's sum of output rank·SLICE + t of the tile (this block's slice).
    __shared__ float inbox[CLUSTER][SLICE];
    // Completes when all CLUSTER·mine sums of this block's slice have landed in `inbox`.
    __shared__ u64 inbox_full;
    if (CLUSTER > 1) {
        if (threadIdx.x == 0) {
            barrier_init(&inbox_full, 1);
            asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
            u32 slice = SLICE;
            if constexpr (!EVEN) slice = uneven_slice((int)cluster_rank());
            barrier_expect_bytes(&inbox_full, CLUSTER * slice * sizeof(float));
        }
        cluster_arrive_relaxed();
    }

    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
    const int ct = lane % CT, kt = warp * KW + lane / CT;
    const int col = blockIdx.x * COLS + 8 * ct;
    const int rank = CLUSTER > 1 ? (int)cluster_rank() : 0;
    const int mine = EVEN ? SLICE : uneven_slice(rank);
    const int k_chunk = (k + CLUSTER - 1) / CLUSTER;
    const int k_begin = rank * k_chunk;
    const int k_end = min(k, k_begin + k_chunk);
    // Thread t < mine finishes output rank·SLICE + t of the tile (the loop at the end).
    constexpr bool bias_early = EARLY_BIAS && SLICE <= 256;
    float early_bias = 0.0f;
    if (bias_early && bias != nullptr && tid < mine) {
        const int o = rank * SLICE + tid, j = blockIdx.x * COLS + o % COLS;
        if (o / COLS < m && j < n) early_bias = to_f32(__ldg(&bias[j]));
    }

    float acc[MAX_M][8];
#pragma unroll
    for (int i = 0; i < MAX_M; ++i)
#pragma unroll
        for (int e = 0; e < 8; ++e) acc[i][e] = 0.0f;

    if (XSHFL) {
        // A step needs UNROLL·MAX_M values of x per k lane (value q = u·MAX_M + i: x[i] at the
        // lane's row u), the same for its CT column lanes. Lane kw·CT + p loads values p, p + CT,
        // .. of k lane kw, and each lane fetches value q from lane q % CT of its own segment of
        // CT lanes (shuffle width CT), so the source lane is an immediate: an absolute source,
        // kw·CT + q % CT, would be computed per lane and held in a register for each q. The
        // walk is by warp, every lane running every step as the shuffles need; a lane masks
        // its rows past the split and columns past n.
        constexpr int XQ = UNROLL * MAX_M;
        constexpr int XV = (XQ + CT - 1) / CT;
        const int kw = lane / CT;
        // Rows at or past w_end read as zeros: the split's end, or every row for a lane whose
        // columns are past n (it still runs the steps, for its shuffles).
        const int w_end = col < n ? k_end : 0;
        const int r_first = k_begin + warp * KW + kw;  // this lane's first row
        const size_t u_stride = (size_t)KT * n;        // from a lane's row u to row u + 1
        const elem_t* wp = w + (size_t)r_first * n + (col < n ? col : 0);
        const elem_t* xp[XV];  // each value this lane loads, at the warp's first step
        int x_end[XV];         // its rows from there (past them, or no value at all: zero)
#pragma unroll
        for (int v = 0; v < XV; ++v) {
            const int q = v * CT + ct, u = q / MAX_M, i = q % MAX_M;
            const int r = r_first + u * KT;
            xp[v] = x + (size_t)(i < m ? i : 0) * k + r;
            x_end[v] = q < XQ && i < m ? k_end - r : 0;
        }
#pragma unroll 1
        for (int step = 0; r_first - kw + step < k_end; step += KT * UNROLL) {
            uint4 wv[UNROLL];
            float xl[XV];
#pragma unroll
            for (int u = 0; u < UNROLL; ++u)
                wv[u] = r_first + step + u * KT < w_end
                            ? load_w_piece(wp + u * u_stride)
                            : make_uint4(0, 0, 0, 0);
#pragma unroll
            for (int v = 0; v < XV; ++v) xl[v] = step < x_end[v] ? to_f32(xp[v][step]) : 0.0f;
            wp += UNROLL * u_stride;
#pragma unroll
            for (int u = 0; u < UNROLL; ++u) {
                float wf[8];
                unpack8(wv[u], wf);
#pragma unroll
                for (int i = 0; i < MAX_M; ++i) {
                    const int q = u * MAX_M + i;
                    const float xv = __shfl_sync(0xffffffffu, xl[q / CT], q % CT, CT);
#pragma unroll
                    for (int e = 0; e < 8; ++e) acc[i][e] = fmaf(wf[e], xv, acc[i][e]);
                }
            }
        }
    } else if (col < n) {
        for (int r0 = k_begin + kt; r0 < k_end; r0 += KT * UNROLL) {
            // Every load of the step first, W and x alike; rows past the split read as zeros.
            uint4 wv[UNROLL];
            float xv[UNROLL][MAX_M];
#pragma unroll
            for (int u = 0; u < UNROLL; ++u) {
                const int r = r0 + u * KT;
                const bool in = r < k_end;
                wv[u] = in ? load_w_piece(w + (size_t)r * n + col) : make_uint4(0, 0, 0, 0);
#pragma unroll
                for (int i = 0; i < MAX_M; ++i)
                    xv[u][i] = in && i < m ? to_f32(x[(size_t)i * k + r]) : 0.0f;
            }
#pragma unroll
            for (int u = 0; u < UNROLL; ++u) {
                float wf[8];
                unpack8(wv[u], wf);
#pragma unroll
                for (int i = 0; i < MAX_M; ++i)
#pragma unroll
                    for (int e = 0; e < 8; ++e) acc[i][e] = fmaf(wf[e], xv[u][i], acc[i][e]);
            }
        }
    }
    // The warp's k lanes of a column meet by shuffles, the warps in shared memory.
#pragma unroll
    for (int offset = CT; offset < 32; offset *= 2)
#pragma unroll
        for (int i = 0; i < MAX_M; ++i)
#pragma unroll
            for (int e = 0; e < 8; ++e)
                acc[i][e] += __shfl_xor_sync(0xffffffffu, acc[i][e], offset);
    if (lane < CT) {
#pragma unroll
        for (int i = 0; i < MAX_M; ++i)
#pragma unroll
            for (int e = 0; e < 8; ++e) red[warp][i * COLS + 8 * ct + e] = acc[i][e];
    }
    __syncthreads();
    // Each sum goes to the block that finishes its output (remote stores, no round trip).
    if (CLUSTER > 1) cluster_wait();  // every block of the cluster has started
    for (int o = tid; o < OUTS; o += 256) {
        float s = 0.0f;
#pragma unroll
        for (int v = 0; v < WARPS; ++v) s += red[v][o];
        if (CLUSTER > 1) cluster_send(&inbox[rank][o % SLICE], &inbox_full, o / SLICE, s);
        else inbox[0][o] = s;
    }
    if (CLUSTER == 1) __syncthreads();

    // Block `rank` finishes slice `rank` of the tile's outputs, adding in rank order.
    for (int t = tid; t < mine; t += 256) {
        const int o = rank * SLICE + t;
        const int i = o / COLS, c = o % COLS, j = blockIdx.x * COLS + c;
        if (CLUSTER > 1) barrier_wait(&inbox_full, 0);
        if (i >= m || j >= n) continue;
        float s = 0.0f;
#pragma unroll
        for (int q = 0; q < CLUSTER; ++q) s += inbox[q][t];
        const size_t at = (size_t)i * n + j;
        y[at] = from_f32(nn_epilogue(s, bias, y, at, j, alpha, beta, bias_early, early_bias));
    }
    // A block leaves only once every sum sent to it has landed (thread 0 waits whenever `mine` is
    // not zero, and nothing is sent to a block whose slice is empty), so no store targets a block
    // that has gone.
}

// The promise of MIN_BLOCKS blocks a SM (2 by default: at most 128 registers a thread) is what
// makes ptxas issue a step's UNROLL loads together: without a minimum it paired each load with
// its FMAs (34 registers, one load in flight; SASS on the dev VM), as it did for gemv_split.
// 3 or 4 cap the registers at 80 or 64, so that more blocks, and more clusters, fit a SM.
extern "C" __global__ void __launch_bounds__(256, MIN_BLOCKS)
gemv_nn_cluster(const elem_t* __restrict__ x, const elem_t* __restrict__ w,
                elem_t* __restrict__ y, const elem_t* __restrict__ bias, int m, int n, int k,
                float alpha, float beta) {
    nn_cluster_cols<false>(x, w, y, bias, m, n, k, alpha, beta);
}

// gemv_nn_cluster for problems with a bias: the bias requested with the first W.
extern "C" __global__ void __launch_bounds__(256, MIN_BLOCKS)
gemv_nn_cluster_bias(const elem_t* __restrict__ x, const elem_t* __restrict__ w,
                     elem_t* __restrict__ y, const elem_t* __restrict__ bias, int m, int n, int k,
                     float alpha, float beta) {
    nn_cluster_cols<true>(x, w, y, bias, m, n, k, alpha, beta);
}
#endif
