//! The catalogue of kernel families: which `kernel = "..."` names a registry may use, on which
//! backend, and which fixed parameters each accepts.
//!
//! It lives apart from the backends so that a registry can be checked on any machine, GPU or not:
//! a typo in a kernel or parameter name is caught when the file is loaded, with its line, not when
//! the variant first runs.

use crate::problem::Epilogue;
use crate::registry::BackendKind;

/// The type and range of one fixed parameter of a kernel family.
#[derive(Clone, Copy, Debug)]
pub enum ParamKind {
    /// An integer in `min..=max` that is a multiple of `multiple`.
    Int {
        min: i64,
        max: i64,
        multiple: i64,
    },
    Bool,
}

#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub required: bool,
    pub meaning: &'static str,
}

/// How a compiled kernel is launched: its arguments and its grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Launch {
    /// `(x, w, y, n, k)`; one warp per output element: grid (n / (THREADS / 32), m), block THREADS.
    WarpPerOutput,
    /// `(x, w, y, bias, m, n, k, alpha, beta)`; one block of WARPS warps per ROWS outputs, all
    /// rows of x: grid n / ROWS, block 32·WARPS. `bias` may be null; `beta ≠ 0` reads y.
    BlockPerRows,
    /// Arguments as `BlockPerRows`; a block of WARPS warps per `tile_rows`·TILES outputs
    /// (tensor-core tiles of eight rows of W, or 8 / CHUNKS in gemv_mma): grid
    /// n / (`tile_rows`·TILES), block 32·WARPS. A family with STAGES
    /// (gemv_mma_ring) gets its ring as dynamic shared memory, and with XRES > 0 x whole beside
    /// it and a grid cut to XRES blocks a SM (or as many as fit): `RingBytes` in the CUDA
    /// backend has the sizes.
    RowTiles,
    /// Arguments as `BlockPerRows`; a block of 256 threads per BM×BN tile of y (16×16 when the
    /// family has no BM/BN): grid (n / BN, m / BM).
    OutputTiles,
    /// Arguments as `BlockPerRows`; one warp per row of x: grid m / WARPS, block 32·WARPS.
    WarpPerRowOfX,
    /// Arguments as `BlockPerRows`, then `(partial, counters, k_chunk)`: a block of 256 threads
    /// per COLS outputs and k_chunk rows of K, grid (n / COLS, k / k_chunk). `partial` holds
    /// splits·m·n f32 sums, `counters` one zeroed u32 per column tile (the kernel re-zeroes it).
    SplitKColumns,
    /// Arguments as `BlockPerRows`; a block of 256 threads per COLS outputs and 1/CLUSTER of K,
    /// the CLUSTER blocks of a column tile one thread-block cluster (sm_90): grid
    /// (n / COLS, CLUSTER), clusters of (1, CLUSTER, 1).
    ClusterColumns,
    /// Arguments as `BlockPerRows`; BLOCKS_PER_SM blocks a SM (at most n), each streaming an
    /// even share of W's rows through STAGES shared-memory buffers of STAGE_BYTES (dynamic
    /// shared memory): grid min(n, BLOCKS_PER_SM · SMs), block 32·WARPS.
    MachineRows,
    /// Arguments as `SplitKColumns`, then two tensor maps (W's and x's, encoded at each launch
    /// from the call's pointers): one warpgroup of 128 threads (and a producer warp with
    /// PRODUCER) per tile of 64·ROW_BLOCKS rows of W and one split of K, grid
    /// (⌈n / (64·ROW_BLOCKS)⌉, splits), the splits chosen to give about BLOCKS_PER_SM blocks a
    /// SM (`SplitK::for_row_tiles` in the CUDA backend). sm_90 only (wgmma: compiled for
    /// sm_90a).
    TensorMapTiles,
}

impl Launch {
    /// Whether the kernel takes `(x, w, y, bias, m, n, k, alpha, beta)` first (fused epilogue).
    pub fn has_epilogue_args(self) -> bool {
        self != Launch::WarpPerOutput
    }
}

/// Where a run-time compiled kernel lives: a file of `crates/skinny/kernels/` and its entry.
#[derive(Clone, Copy, Debug)]
pub struct KernelSource {
    pub file: &'static str,
    pub entry: &'static str,
    /// The entry launched for problems with a bias, where the family has one of its own: the
    /// same kernel with the bias requested with the first weights (a separate entry so that
    /// the bias-free builds keep their code; docs/PERF.md, twenty-second session).
    pub bias_entry: Option<&'static str>,
    pub launch: Launch,
}

impl KernelSource {
    /// The entry to launch for a problem with `epilogue`.
    pub fn entry_for(&self, epilogue: Epilogue) -> &'static str {
        match (epilogue, self.bias_entry) {
            (Epilogue::Bias, Some(entry)) => entry,
            _ => self.entry,
        }
    }

    /// Every entry of the module that a variant of the family may launch.
    pub fn entries(&self) -> Vec<&'static str> {
        std::iter::once(self.entry).chain(self.bias_entry).collect()
    }
}

#[derive(Clone, Copy, Debug)]
pub struct KernelFamily {
    pub backend: BackendKind,
    pub name: &'static str,
    pub summary: &'static str,
    pub params: &'static [ParamSpec],
    /// For kernels compiled by NVRTC; `None` for host code and vendor libraries.
    pub source: Option<KernelSource>,
}

impl KernelFamily {
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// The transpose override of the tiled kernels (the registry checks it against the layouts).
const W_NT_PARAM: ParamSpec = ParamSpec {
    name: "W_NT",
    kind: ParamKind::Bool,
    required: true,
    meaning:
        "true: W is [n, k] (nt); false: W is [k, n] (nn); a variant's layouts must say the same",
};

/// Whether the CUDA-core GEMVs load x together with W (1) or at the point of use (0, default).
const X_WITH_W_PARAM: ParamSpec = ParamSpec {
    name: "X_WITH_W",
    kind: ParamKind::Int {
        min: 0,
        max: 1,
        multiple: 1,
    },
    required: false,
    meaning: "1: a lane's x loads go out with its W loads (zeros past the row and, in gemv_split, for the rows of x past m); 0 (default): each x load at its use",
};

/// The L2 prefetch size of a kernel's loads of W (common.cuh, `W_PREFETCH`).
const PREFETCH_PARAM: ParamSpec = ParamSpec {
    name: "PREFETCH",
    kind: ParamKind::Int {
        min: 0,
        max: 256,
        multiple: 64,
    },
    required: false,
    meaning: "bytes the L2 fetches from DRAM for each load of W (64, 128 or 256; 192 is refused by the kernel); 0 (default): no prefetch qualifier",
};

/// Whether a kernel's loads of W skip L1 (common.cuh, `W_NO_L1`).
const W_NO_L1_PARAM: ParamSpec = ParamSpec {
    name: "W_NO_L1",
    kind: ParamKind::Int {
        min: 0,
        max: 1,
        multiple: 1,
    },
    required: false,
    meaning: "1 (default): loads of W marked L1::no_allocate (W is read once; 0.3-0.6 µs faster a cold call on the H200); 0: plain read-only loads, as before the thirty-seventh session",
};

/// Where a PDL build lets the next kernel launch (common.cuh, `pdl_begin`).
const EARLY_TRIGGER_PARAM: ParamSpec = ParamSpec {
    name: "EARLY_TRIGGER",
    kind: ParamKind::Int {
        min: 0,
        max: 1,
        multiple: 1,
    },
    required: false,
    meaning: "1: under PDL, let the next kernel launch before this one's wait (two kernels ahead); 0 (default): after it. No effect without PDL",
};

/// The tensor-core families' block shape (gemv_mma, gemv_mma_ring): warps split K, tiles of 8
/// rows of W a block.
const MMA_WARPS_PARAM: ParamSpec = ParamSpec {
    name: "WARPS",
    kind: ParamKind::Int {
        min: 1,
        max: 16,
        multiple: 1,
    },
    required: true,
    meaning: "warps per block, splitting K",
};
const MMA_TILES_PARAM: ParamSpec = ParamSpec {
    name: "TILES",
    kind: ParamKind::Int {
        min: 1,
        max: 8,
        multiple: 1,
    },
    required: true,
    meaning: "tiles of 8 rows of W per block (gemv_mma: 8 / CHUNKS rows a tile)",
};
/// The row limit of the kernels that keep every row of x in registers (up to 16).
const MAX_M_PARAM: ParamSpec = ParamSpec {
    name: "MAX_M",
    kind: ParamKind::Int {
        min: 1,
        max: 16,
        multiple: 1,
    },
    required: true,
    meaning: "most rows of x (the registry's m_max must not exceed it)",
};

/// Outputs a block of the nn kernels (gemv_nn, gemv_nn_cluster).
const NN_COLS_PARAM: ParamSpec = ParamSpec {
    name: "COLS",
    kind: ParamKind::Int {
        min: 32,
        max: 256,
        multiple: 32,
    },
    required: true,
    meaning: "outputs per block: 32, 64, 128 or 256",
};

/// Rows of x the nn kernels' shared-memory reduction holds.
const NN_MAX_M_PARAM: ParamSpec = ParamSpec {
    name: "MAX_M",
    kind: ParamKind::Int {
        min: 1,
        max: 4,
        multiple: 1,
    },
    required: true,
    meaning: "most rows of x (the registry's m_max must not exceed it)",
};

pub const FAMILIES: &[KernelFamily] = &[
    KernelFamily {
        backend: BackendKind::Cpu,
        name: "cpu_naive",
        summary: "plain triple loop, one thread, f32 accumulation",
        params: &[],
        source: None,
    },
    KernelFamily {
        backend: BackendKind::Cpu,
        name: "cpu_rayon",
        summary:
            "columns of y split across threads; unrolled f32 inner loops the compiler vectorises",
        params: &[ParamSpec {
            name: "columns_per_task",
            kind: ParamKind::Int {
                min: 1,
                max: 1 << 16,
                multiple: 1,
            },
            required: false,
            meaning: "output columns one rayon task computes (default 64)",
        }],
        source: None,
    },
    KernelFamily {
        backend: BackendKind::Cpu,
        name: "cpu_gemm_crate",
        summary: "the `gemm` crate (the CPU GEMM behind candle), multi-threaded",
        params: &[],
        source: None,
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "gemv_baseline",
        summary: "one warp per output element, 16-byte loads along K, f32 accumulation, shuffle reduction",
        params: &[
            ParamSpec {
                name: "THREADS",
                kind: ParamKind::Int {
                    min: 32,
                    max: 1024,
                    multiple: 32,
                },
                required: false,
                meaning: "threads per block, a multiple of 32 (default 256)",
            },
            X_WITH_W_PARAM,
            EARLY_TRIGGER_PARAM,
        ],
        source: Some(KernelSource {
            file: "gemv.cu",
            entry: "gemv_baseline",
            bias_entry: None,
            launch: Launch::WarpPerOutput,
        }),
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "gemv_split",
        summary: "a block per ROWS outputs for all rows of x, K split over its WARPS warps, UNROLL 16-byte loads in flight a lane, fused epilogue",
        params: &[
            ParamSpec {
                name: "ROWS",
                kind: ParamKind::Int { min: 1, max: 8, multiple: 1 },
                required: true,
                meaning: "outputs (rows of W) per block",
            },
            ParamSpec {
                name: "WARPS",
                kind: ParamKind::Int { min: 1, max: 32, multiple: 1 },
                required: true,
                meaning: "warps per block, splitting K",
            },
            ParamSpec {
                name: "UNROLL",
                kind: ParamKind::Int { min: 1, max: 8, multiple: 1 },
                required: true,
                meaning: "16-byte loads of each row in flight per lane",
            },
            MAX_M_PARAM,
            ParamSpec {
                name: "BLOCKS_PER_SM",
                kind: ParamKind::Int { min: 0, max: 64, multiple: 1 },
                required: false,
                meaning: "grid of this many blocks per SM looping over row groups; 0 (default): one block per group",
            },
            ParamSpec {
                name: "MIN_BLOCKS",
                kind: ParamKind::Int { min: 0, max: 32, multiple: 1 },
                required: false,
                meaning: "blocks a SM the register budget must allow (__launch_bounds__); 0 (default): no promise, and ptxas pairs each load with its FMAs",
            },
            X_WITH_W_PARAM,
            EARLY_TRIGGER_PARAM,
            PREFETCH_PARAM,
            W_NO_L1_PARAM,
        ],
        source: Some(KernelSource {
            file: "gemv.cu",
            entry: "gemv_split",
            bias_entry: Some("gemv_split_bias"),
            launch: Launch::BlockPerRows,
        }),
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "gemv_mma",
        summary: "tensor cores (mma.sync m16n8k16) for m ≤ 16: x as the 16-row tile, 8 rows of W per mma, K split over WARPS warps, fused epilogue",
        params: &[
            MMA_WARPS_PARAM,
            MMA_TILES_PARAM,
            ParamSpec {
                name: "UNROLL",
                kind: ParamKind::Int { min: 1, max: 4, multiple: 1 },
                required: true,
                meaning: "steps of 32·SPAN k loaded together per warp",
            },
            ParamSpec {
                name: "SPAN",
                kind: ParamKind::Int { min: 1, max: 8, multiple: 1 },
                required: false,
                meaning: "16-byte vectors a lane loads from each row per step (default 2: 64 k a step)",
            },
            ParamSpec {
                name: "PIPE",
                kind: ParamKind::Bool,
                required: false,
                meaning: "double-buffer the loads (default true)",
            },
            MAX_M_PARAM,
            ParamSpec {
                name: "LINES",
                kind: ParamKind::Bool,
                required: false,
                meaning: "load W row-major (one instruction: 64·SPAN contiguous bytes of each of 8/SPAN rows) and put it into fragment order through a warp-private shared tile; SPAN 2, 4 or 8 (default false: fragment order, 64 bytes of each of 8 rows)",
            },
            ParamSpec {
                name: "CHUNKS",
                kind: ParamKind::Int { min: 1, max: 8, multiple: 1 },
                required: false,
                meaning: "1 (default), 2, 4 or 8: a tile is 8 / CHUNKS rows of W, each cut into CHUNKS runs along K side by side (one instruction reads 64·CHUNKS contiguous bytes of each row), x rows × chunks fill the mma's 16 rows, so m ≤ 16 / CHUNKS (times XPASS); not with LINES",
            },
            ParamSpec {
                name: "MIN_BLOCKS",
                kind: ParamKind::Int { min: 0, max: 32, multiple: 1 },
                required: false,
                meaning: "blocks a SM the register budget must allow (__launch_bounds__); 0 (default): no promise",
            },
            ParamSpec {
                name: "TAIL",
                kind: ParamKind::Bool,
                required: false,
                meaning: "the steps left after the last whole batch loaded together, checked, as one batch (one DRAM round trip; steps past the row read as zero), not one step at a time (default false)",
            },
            ParamSpec {
                name: "XPASS",
                kind: ParamKind::Int { min: 1, max: 8, multiple: 1 },
                required: false,
                meaning: "passes of x (the mma's A) over each W fragment, at most CHUNKS: m ≤ 16·XPASS / CHUNKS (default 1), so that M = 16 can keep CHUNKS = 2's runs of W at twice the x loads and mmas",
            },
            PREFETCH_PARAM,
        ],
        source: Some(KernelSource {
            file: "mma.cu",
            entry: "gemv_mma",
            bias_entry: Some("gemv_mma_bias"),
            launch: Launch::RowTiles,
        }),
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "gemv_mma_ring",
        summary: "tensor cores (mma.sync m16n8k16) for m ≤ 16 as gemv_mma, W and x copied with cp.async into a per-warp ring of STAGES steps in shared memory, fused epilogue",
        params: &[
            MMA_WARPS_PARAM,
            MMA_TILES_PARAM,
            ParamSpec {
                name: "SPAN",
                kind: ParamKind::Int { min: 1, max: 8, multiple: 1 },
                required: true,
                meaning: "16-byte vectors a lane copies from each row per step (a step is 32·SPAN k)",
            },
            ParamSpec {
                name: "STAGES",
                kind: ParamKind::Int { min: 2, max: 16, multiple: 1 },
                required: true,
                meaning: "steps in a warp's ring (STAGES − 1 in flight while one is used)",
            },
            MAX_M_PARAM,
            ParamSpec {
                name: "ROTATE",
                kind: ParamKind::Bool,
                required: false,
                meaning: "start each block's walk along K at a different step (default false)",
            },
            ParamSpec {
                name: "LINES",
                kind: ParamKind::Bool,
                required: false,
                meaning: "copy W row-major (whole 128-byte lines a row per instruction at SPAN = 2) and read fragments back swizzled (default false; SPAN ≥ 2)",
            },
            ParamSpec {
                name: "XRES",
                kind: ParamKind::Int { min: 0, max: 8, multiple: 1 },
                required: false,
                meaning: "0 (default): x goes through the ring with W, every block reads it; n > 0: x is copied whole into shared memory once a block and XRES blocks a SM walk the row tiles (grid XRES·SMs; needs a k_max that fits)",
            },
            PREFETCH_PARAM,
        ],
        source: Some(KernelSource {
            file: "mma_ring.cu",
            entry: "gemv_mma_ring",
            bias_entry: None,
            launch: Launch::RowTiles,
        }),
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "gemv_wgmma",
        summary: "tensor cores (wgmma m64n8k16 / m64n16k16) for m ≤ 16: one thread has the copy engine bring 64-row × 128-byte boxes of W and x (tensor maps, 128-byte swizzle) into a ring of STAGES stages, the warpgroup multiplies from shared memory; K split over blocks, last block sums; fused epilogue; sm_90",
        params: &[
            ParamSpec {
                name: "STAGES",
                kind: ParamKind::Int { min: 2, max: 16, multiple: 1 },
                required: true,
                meaning: "stages of 64 k in a block's ring (STAGES − 1 requested while one is used): 128 bytes of each row of the tile and of x (9 KB at 64 rows and MAX_M ≤ 8)",
            },
            MAX_M_PARAM,
            ParamSpec {
                name: "BLOCKS_PER_SM",
                kind: ParamKind::Int { min: 1, max: 16, multiple: 1 },
                required: false,
                meaning: "blocks a SM the split of K aims at (host side; default 4): K is split only while row tiles alone give fewer",
            },
            ParamSpec {
                name: "PRODUCER",
                kind: ParamKind::Bool,
                required: false,
                meaning: "a fifth warp asks for the boxes and stages come back on mbarriers (default false: the warpgroup refills after a block barrier)",
            },
            ParamSpec {
                name: "ROW_BLOCKS",
                kind: ParamKind::Int { min: 1, max: 2, multiple: 1 },
                required: false,
                meaning: "64-row blocks of W a tile (default 1; 2: 128-row tiles, a 16 KB box of W a stage)",
            },
            ParamSpec {
                name: "ROTATE",
                kind: ParamKind::Bool,
                required: false,
                meaning: "start each block's walk along K at a different box (default false)",
            },
        ],
        source: Some(KernelSource {
            file: "wgmma.cu",
            entry: "gemv_wgmma",
            bias_entry: None,
            launch: Launch::TensorMapTiles,
        }),
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "gemm_tiles",
        summary: "shared-memory tiled GEMM, BM×BN tile of y per 256 threads, BK per K step, W_NT transpose override, fused epilogue",
        params: &[
            ParamSpec {
                name: "BM",
                kind: ParamKind::Int { min: 1, max: 128, multiple: 1 },
                required: true,
                meaning: "rows of x per tile (a multiple of 256 / BN)",
            },
            ParamSpec {
                name: "BN",
                kind: ParamKind::Int { min: 32, max: 256, multiple: 32 },
                required: true,
                meaning: "outputs per tile (a divisor of 256: 32, 64, 128 or 256)",
            },
            ParamSpec {
                name: "BK",
                kind: ParamKind::Int { min: 8, max: 128, multiple: 8 },
                required: true,
                meaning: "k per shared-memory stage",
            },
            W_NT_PARAM,
        ],
        source: Some(KernelSource {
            file: "tiled.cu",
            entry: "gemm_tiles",
            bias_entry: None,
            launch: Launch::OutputTiles,
        }),
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "gemm_tiled",
        summary: "the plain 16×16 shared-memory tiled GEMM, one output per thread, fused epilogue",
        params: &[
            W_NT_PARAM,
        ],
        source: Some(KernelSource {
            file: "tiled.cu",
            entry: "gemm_tiled",
            bias_entry: None,
            launch: Launch::OutputTiles,
        }),
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "gemv_smalln",
        summary: "many rows of x, tiny n: a warp per row of x streams it once against all n rows of W (from L1), fused epilogue",
        params: &[
            ParamSpec {
                name: "WARPS",
                kind: ParamKind::Int { min: 1, max: 32, multiple: 1 },
                required: true,
                meaning: "rows of x per block",
            },
            ParamSpec {
                name: "MAX_N",
                kind: ParamKind::Int { min: 1, max: 32, multiple: 1 },
                required: true,
                meaning: "most outputs per row (the registry's n_max must not exceed it)",
            },
            ParamSpec {
                name: "UNROLL",
                kind: ParamKind::Int { min: 1, max: 8, multiple: 1 },
                required: true,
                meaning: "16-byte loads of x in flight a lane",
            },
        ],
        source: Some(KernelSource {
            file: "smalln.cu",
            entry: "gemv_smalln",
            bias_entry: None,
            launch: Launch::WarpPerRowOfX,
        }),
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "gemv_nn",
        summary: "W stored [k, n]: 8 outputs a thread along n, K split over k lanes and over blocks, last block of a tile sums the partials in order, fused epilogue",
        params: &[
            NN_COLS_PARAM,
            NN_MAX_M_PARAM,
            ParamSpec {
                name: "UNROLL",
                kind: ParamKind::Int { min: 1, max: 8, multiple: 1 },
                required: true,
                meaning: "rows of W in flight per thread",
            },
            ParamSpec {
                name: "MIN_ROWS",
                kind: ParamKind::Int { min: 1, max: 64, multiple: 1 },
                required: false,
                meaning: "fewest rows of W a k lane walks in one split (host side; default 1): fewer, deeper splits",
            },
        ],
        source: Some(KernelSource {
            file: "gemv_nn.cu",
            entry: "gemv_nn",
            bias_entry: None,
            launch: Launch::SplitKColumns,
        }),
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "gemv_nn_cluster",
        summary: "W stored [k, n]: 8 outputs a thread along n, K split over k lanes and over the blocks of a thread-block cluster, partials summed in order through distributed shared memory, fused epilogue",
        params: &[
            NN_COLS_PARAM,
            NN_MAX_M_PARAM,
            ParamSpec {
                name: "UNROLL",
                kind: ParamKind::Int { min: 1, max: 16, multiple: 1 },
                required: true,
                meaning: "rows of W in flight per thread (and, with XSHFL = 0, their x)",
            },
            ParamSpec {
                name: "CLUSTER",
                kind: ParamKind::Int { min: 1, max: 16, multiple: 1 },
                required: true,
                meaning: "blocks a column tile, one cluster, each 1/CLUSTER of K: 1 to 16, not only powers of two (past 8 is a non-portable cluster size)",
            },
            ParamSpec {
                name: "XSHFL",
                kind: ParamKind::Int { min: 0, max: 1, multiple: 1 },
                required: false,
                meaning: "1: each x value loaded once a warp and passed round by shuffles, not held once a lane while W loads (default 0)",
            },
            ParamSpec {
                name: "MIN_BLOCKS",
                kind: ParamKind::Int { min: 1, max: 8, multiple: 1 },
                required: false,
                meaning: "blocks a SM the register budget must allow (__launch_bounds__): 1 to 8, default 2, the promise that has ptxas issue a step's loads together (unlike gemv_split's and gemv_mma's MIN_BLOCKS, there is no 0: no promise)",
            },
            W_NO_L1_PARAM,
        ],
        source: Some(KernelSource {
            file: "gemv_nn.cu",
            entry: "gemv_nn_cluster",
            bias_entry: Some("gemv_nn_cluster_bias"),
            launch: Launch::ClusterColumns,
        }),
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "gemv_bulk",
        summary: "a block per SM streams its share of W's rows through a ring of shared-memory stages with bulk copies (cp.async.bulk, mbarriers), K split over warps for short stages, fused epilogue",
        params: &[
            ParamSpec {
                name: "WARPS",
                kind: ParamKind::Int { min: 1, max: 32, multiple: 1 },
                required: true,
                meaning: "warps per block",
            },
            ParamSpec {
                name: "STAGES",
                kind: ParamKind::Int { min: 1, max: 16, multiple: 1 },
                required: true,
                meaning: "shared-memory buffers in the ring (copies in flight a block)",
            },
            ParamSpec {
                name: "STAGE_BYTES",
                kind: ParamKind::Int { min: 1024, max: 1 << 17, multiple: 16 },
                required: true,
                meaning: "bytes a buffer holds: whole rows, so k·(dtype size) must not exceed it (the registry's k_max says so)",
            },
            MAX_M_PARAM,
            ParamSpec {
                name: "BLOCKS_PER_SM",
                kind: ParamKind::Int { min: 1, max: 8, multiple: 1 },
                required: false,
                meaning: "blocks per SM (host side; default 1): STAGES·STAGE_BYTES each must fit",
            },
            ParamSpec {
                name: "COPY",
                kind: ParamKind::Int { min: 0, max: 1, multiple: 1 },
                required: false,
                meaning: "0 (default): one bulk copy a stage (copy engine, mbarrier); 1: 16-byte cp.async by every thread",
            },
        ],
        source: Some(KernelSource {
            file: "bulk.cu",
            entry: "gemv_bulk",
            bias_entry: None,
            launch: Launch::MachineRows,
        }),
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "cublas_gemm",
        summary: "cublasGemmEx, f32 compute: the usual decode baseline",
        params: &[],
        source: None,
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "cublas_gemm_bias",
        summary: "cublasGemmEx then a separate bias-add kernel, as a framework's Linear does",
        params: &[],
        source: None,
    },
    KernelFamily {
        backend: BackendKind::Cuda,
        name: "cublaslt_matmul",
        summary: "cublasLtMatmul with the bias epilogue for bias and beta for axpby; algorithm chosen once by the heuristic",
        params: &[],
        source: None,
    },
];

/// Bytes of each row of W a block walks in one step of its K loop, for the families whose K loop
/// has a fixed stride: a row of k bytes takes ceil(k / step) steps, so the last step of a row
/// that is not a multiple of it runs part-empty. Dispatch rules use it, through [`k_loop_fill`],
/// to carry a tuned time to a row length with a worse last step (a rule learned at k = 4096 put
/// 2×16384×3072 on a kernel with 2048-element steps: 1.16× cuBLAS, seventeenth session). None:
/// no fixed stride known.
pub fn k_step_bytes(variant: &crate::registry::Variant) -> Option<u64> {
    let int = |name: &str| variant.int_param(name).and_then(|v| u64::try_from(v).ok());
    match variant.kernel.as_str() {
        // WARPS warps split K; a lane takes UNROLL 16-byte vectors of each row a step.
        "gemv_split" => Some(int("WARPS")? * 32 * int("UNROLL")? * 16),
        // A warp's step is 4·SPAN vectors of each row; the block's WARPS warps take turns.
        "gemv_mma_ring" => Some(int("WARPS")? * 4 * int("SPAN")? * 16),
        // The same; UNROLL steps go together only while whole batches fit, then one at a time
        // (as one checked batch with TAIL: k_loop_fill counts the round trips).
        "gemv_mma" => {
            Some(int("WARPS")? * 4 * int("SPAN").unwrap_or(2) * int("CHUNKS").unwrap_or(1) * 16)
        }
        // A stage is one 128-byte box of each row (64 elements).
        "gemv_wgmma" => Some(128),
        _ => None,
    }
}

/// How full the DRAM round trips of a variant's K loop run on a row of `k_bytes`: the row's bytes
/// over what the loop's round trips could carry (1.0: each one full). For gemv_mma a warp's
/// steps (every WARPS-th step of the row) go in batches of UNROLL while a whole batch of whole
/// steps is left, then one at a time, or as one checked batch with TAIL; the warp with the most
/// round trips sets the block's time. (Measured on the H200, thirty-first session: mma/c4_m2_u4_b8,
/// 6 steps a warp at k = 3072, one batch and two single steps, took 1.14× cuBLAS on Phi-3's
/// 1×16384×3072, while at k = 2048, 4096 and 8192, whole batches, it beats cuBLAS.) For the other
/// families with a fixed step ([`k_step_bytes`]) the last step alone runs part-empty. None: no
/// fixed step known.
pub fn k_loop_fill(variant: &crate::registry::Variant, k_bytes: u64) -> Option<f64> {
    let block_step = k_step_bytes(variant).filter(|&s| s > 0)?;
    if k_bytes == 0 {
        return None;
    }
    if !k_loop_counts_round_trips(variant) {
        return Some(k_bytes as f64 / (k_bytes.div_ceil(block_step) * block_step) as f64);
    }
    let warps = u64::try_from(variant.int_param("WARPS")?).ok()?.max(1);
    let unroll = u64::try_from(variant.int_param("UNROLL")?).ok()?.max(1);
    let tail = variant.bool_param("TAIL").unwrap_or(false);
    let warp_step = block_step / warps;
    let (steps, whole_steps) = (k_bytes.div_ceil(warp_step), k_bytes / warp_step);
    // Warp w's steps are w, w + WARPS, ...: how many of them lie below `limit`.
    let mine = |w: u64, limit: u64| {
        if limit > w {
            (limit - w - 1) / warps + 1
        } else {
            0
        }
    };
    let round_trips = (0..warps)
        .map(|w| {
            let batches = mine(w, whole_steps) / unroll;
            let left = mine(w, steps) - batches * unroll;
            batches + if tail { left.min(1) } else { left }
        })
        .max()?;
    Some(k_bytes as f64 / (round_trips * unroll * block_step) as f64)
}

/// Whether [`k_loop_fill`] counts a warp's DRAM round trips (gemv_mma, whose warps batch their
/// steps) rather than the part-empty last step alone.
pub fn k_loop_counts_round_trips(variant: &crate::registry::Variant) -> bool {
    variant.kernel == "gemv_mma"
}

/// Rows of W one block takes, for the launches whose grid is one block per group of rows (the
/// grid is ceil(n / rows) blocks, as `launch_shape` in the CUDA backend makes it): BlockPerRows
/// without a grid sized to the machine (ROWS), and RowTiles (`tile_rows` a tile) without x resident,
/// which caps the grid. Dispatch rules use it to carry a tuned time to an n whose last round of
/// blocks is emptier. None: another grid.
pub fn rows_per_block(variant: &crate::registry::Variant) -> Option<u64> {
    let int =
        |name: &str, default: i64| u64::try_from(variant.int_param(name).unwrap_or(default)).ok();
    match family(variant.backend, &variant.kernel)?.source?.launch {
        Launch::BlockPerRows if int("BLOCKS_PER_SM", 0)? == 0 => int("ROWS", 1),
        Launch::RowTiles if int("XRES", 0)? == 0 => Some(tile_rows(variant)? * int("TILES", 1)?),
        _ => None,
    }
}

/// Rows of W in one tile of the RowTiles families: 8, or 8 / CHUNKS for gemv_mma (its mma's eight
/// columns are rows × chunks of K). None for a CHUNKS that does not divide 8.
pub fn tile_rows(variant: &crate::registry::Variant) -> Option<u64> {
    rows_of_chunked_tile(variant.int_param("CHUNKS").unwrap_or(1))
}

/// Rows of W in a gemv_mma tile cut into `chunks` runs along K: 8 / chunks, for the chunk counts
/// that divide 8 (1, 2, 4, 8); None for any other, which the registry refuses.
pub fn rows_of_chunked_tile(chunks: i64) -> Option<u64> {
    let chunks = u64::try_from(chunks).ok()?;
    (chunks > 0 && 8 % chunks == 0).then_some(8 / chunks)
}

pub fn family(backend: BackendKind, name: &str) -> Option<&'static KernelFamily> {
    FAMILIES
        .iter()
        .find(|f| f.backend == backend && f.name == name)
}

/// Names of the families of one backend, for "expected one of ..." messages.
pub fn family_names(backend: BackendKind) -> Vec<&'static str> {
    FAMILIES
        .iter()
        .filter(|f| f.backend == backend)
        .map(|f| f.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_per_block_follows_each_grid_of_one_block_per_row_group() {
        let registry = crate::registry::Registry::embedded().unwrap();
        let rows = |id: &str| rows_per_block(registry.get(id).unwrap());
        // gemv_split: ROWS a block, unless the grid is sized to the machine.
        assert_eq!(rows("dot/m4_r2u2_xw"), Some(2));
        assert_eq!(rows("dot/m1_u5_xw"), Some(1));
        assert_eq!(rows("dot/m1_grid"), None);
        // gemv_mma (CHUNKS 1) and the ring: 8 rows a tile; a ring with x resident caps its grid.
        assert_eq!(rows("mma/m16_k16"), Some(8));
        assert_eq!(rows("mma/m8_s4p"), Some(16));
        assert_eq!(rows("ring/m8_w4t2s2x3_rl"), Some(16));
        assert_eq!(rows("xres/m16_w8t2s2x5"), None);
        // Split-K and tensor-map grids are not one block per row group.
        assert_eq!(rows("wg/m16_s4p_r"), None);
        assert_eq!(rows("cublas/gemm"), None);
    }

    #[test]
    fn a_chunked_mma_tile_is_eight_rows_over_its_chunks() {
        let variant = |chunks: i64| {
            let text = format!(
                "[[variant]]\nid = \"exp/c{chunks}\"\nbackend = \"cuda\"\nkernel = \"gemv_mma\"\n\
                 params = {{ WARPS = 4, TILES = 2, UNROLL = 2, SPAN = 2, MAX_M = 2, CHUNKS = {chunks} }}\n\
                 [variant.supports]\nlayouts = [\"nt\"]\ndtypes = [\"bf16\"]\nm_max = 2\n"
            );
            let source = crate::source::SourceFile::embedded("test.toml", &text);
            let registry = crate::registry::Registry::parse(&source).unwrap();
            registry.get(&format!("exp/c{chunks}")).unwrap().clone()
        };
        // Two tiles of 8 / CHUNKS rows a block; a step is WARPS · 4 · SPAN · CHUNKS vectors.
        for (chunks, rows) in [(1, 16), (2, 8), (4, 4), (8, 2)] {
            let v = variant(chunks);
            assert_eq!(tile_rows(&v), Some(8 / chunks as u64));
            assert_eq!(rows_per_block(&v), Some(rows));
            assert_eq!(k_step_bytes(&v), Some(4 * 4 * 2 * chunks as u64 * 16));
        }
        // (A CHUNKS that does not divide 8 the registry refuses: registry.rs's tests.)
    }

    #[test]
    fn a_gemv_mma_warp_loads_its_leftover_steps_one_at_a_time_unless_it_has_a_tail() {
        let registry = crate::registry::Registry::embedded().unwrap();
        let fill = |id: &str, k: u64| k_loop_fill(registry.get(id).unwrap(), 2 * k).unwrap();
        // mma/c4_m2_u4_b8: 4 warps, steps of 128 k, batches of 4. k = 4096: 8 steps a warp, two
        // whole batches.
        assert_eq!(fill("mma/c4_m2_u4_b8", 4096), 1.0);
        // k = 3072: 6 steps a warp, one batch and two single steps: 3 round trips that could
        // carry 12 steps.
        assert_eq!(fill("mma/c4_m2_u4_b8", 3072), 0.5);
        // mma/c2_m4_u4_b8 (steps of 64 k) at k = 896: 14 steps, warps 2 and 3 take 3 each, one
        // at a time: 3 round trips for 3.5 steps a warp.
        assert!((fill("mma/c2_m4_u4_b8", 896) - 3.5 / 12.0).abs() < 1e-12);
        // Its TAIL twin loads them as one checked batch.
        assert!((fill("mma/c2_m4_u4_b8_tail", 896) - 3.5 / 4.0).abs() < 1e-12);
        // The other families: the part-empty last step alone (dot/m2_r2u2_xw: 2048 k a step).
        assert_eq!(fill("dot/m2_r2u2_xw", 3072), 0.75);
        // No fixed step, or no row: nothing to say.
        assert_eq!(
            k_loop_fill(registry.get("cublas/gemm").unwrap(), 6144),
            None
        );
        assert_eq!(
            k_loop_fill(registry.get("mma/c4_m2_u4_b8").unwrap(), 0),
            None
        );
    }

    fn source(name: &str) -> KernelSource {
        family(BackendKind::Cuda, name).unwrap().source.unwrap()
    }

    #[test]
    fn bias_problems_launch_the_bias_entry_where_a_family_has_one() {
        let axpby = Epilogue::Axpby {
            alpha: 1.0,
            beta: 0.5,
        };
        for (name, bias_entry) in [
            ("gemv_split", "gemv_split_bias"),
            ("gemv_mma", "gemv_mma_bias"),
            ("gemv_nn_cluster", "gemv_nn_cluster_bias"),
        ] {
            let s = source(name);
            assert_eq!(s.entry_for(Epilogue::Bias), bias_entry);
            assert_eq!(s.entry_for(Epilogue::None), name);
            assert_eq!(s.entry_for(axpby), name);
            assert_eq!(s.entries(), vec![name, bias_entry]);
        }
        let ring = source("gemv_mma_ring");
        assert_eq!(ring.entry_for(Epilogue::Bias), "gemv_mma_ring");
        assert_eq!(ring.entries(), vec!["gemv_mma_ring"]);
    }

    #[test]
    fn every_entry_is_defined_in_its_kernel_file() {
        for f in FAMILIES {
            let Some(s) = f.source else { continue };
            let text = crate::backend::cuda::compile::source_text(s.file).unwrap();
            for entry in s.entries() {
                assert!(
                    text.contains(&format!("\n{entry}(")),
                    "{}: no definition of {entry} in {}",
                    f.name,
                    s.file
                );
            }
        }
    }
}
