//! Which variant runs a problem: the tuned winner, a rule from the nearest tuned shapes, or the
//! vendor library.
//!
//! The rule for a shape the table does not hold works by shape class. Among the tuned problems
//! of the same dtype and layout, take those whose row count m is nearest (in log space: the row
//! count decides which kernel family wins, so M = 4 learns from M = 8 rather than from M = 1),
//! and only if that m is within [`MAX_M_RATIO`] of the problem's (a table tuned at M = 1 says
//! nothing about M = 8, where a one-row kernel re-reads W per row), then the [`NEIGHBOURS`]
//! nearest of them in n and k (log space, plus a step for a different
//! epilogue). Pick the variant that can run the problem with the smallest mean time relative to
//! each neighbour's winner, nearer neighbours weighing more. A variant a neighbour has no time
//! for counts as [`MISSING_PENALTY`] times slower there. cuBLAS is among the candidates, so where
//! it won nearby it is chosen, and a skinny kernel must beat it by [`RULE_MARGIN`] to be chosen
//! instead: an untimed shape is a guess, and the bar is never to be much slower than cuBLAS.
//! A kernel whose K loop has a fixed step is charged for DRAM round trips that run emptier at the
//! problem's row length than at the neighbour's ([`crate::kernels::k_loop_fill`]: a part-empty
//! last step, and for gemv_mma a warp's leftover steps loaded one at a time), and, where
//! the caller can say how many of its blocks run at once, a grid of one block per group of rows
//! for a last round of blocks that is emptier at the problem's n than at the neighbour's
//! ([`crate::kernels::rows_per_block`]).

use serde::{Deserialize, Serialize};

use super::table::{DispatchTable, TableEntry};
use crate::plan::unsupported_reasons;
use crate::problem::{Epilogue, Problem};
use crate::registry::{BackendKind, Registry, Variant};

/// Tuned problems a rule looks at.
pub const NEIGHBOURS: usize = 3;
/// Relative time charged to a variant a neighbour has no time for.
pub const MISSING_PENALTY: f64 = 4.0;
/// By a rule (an untuned shape), a skinny kernel is chosen over the best vendor call only when
/// its expected time is lower by more than this fraction. Measured on the H200 (2026-11-21): a
/// tensor-core kernel 0–4 % ahead of cuBLAS on the tuned neighbours was 7 % behind on Gemma-2's
/// 8×4096×2304 q/k/v.
pub const RULE_MARGIN: f64 = 0.05;
/// How far (as a ratio) the tuned row count a rule learns from may be from the problem's. Measured
/// on the H200 (2026-11-21): with a table tuned at M = 1 only, the M = 8 shapes of four untuned
/// models got M = 1 winners (gemv/baseline) at 2.1–2.6× cuBLAS.
pub const MAX_M_RATIO: f64 = 2.0;
/// The share (as a power) of the last-step model's slowdown a rule charges: time in proportion to
/// steps (1.0) overstates it, since other blocks' loads keep the memory busy while a block's last
/// step runs part-empty. Measured on the H200 (2026-11-21) at 0.75 of the steps used, where the
/// model says 1.33×: dot/m2_r2u2_xw 1.20× on 2×16384×3072 and 1.19× on 2×32064×3072 (against its
/// ratio at k = 4096; exponents 0.62 and 0.60), dot/m1_r8w2_xw about 1.0× on 1×151936×1536
/// (exponent 0). Half the model is the middle of those.
pub const LAST_STEP_EXPONENT: f64 = 0.5;
/// The same share for gemv_mma, whose model counts a warp's DRAM round trips
/// ([`crate::kernels::k_loop_fill`]): other warps' loads hide part of a round trip that carries
/// less. Measured on the H200 (2026-11-22, s31 tables): over 54 (gemv_mma build, M = 1 shape)
/// pairs whose round trips run less full than on the build's own k = 4096-14336 shapes, the
/// exponent that fits each ranges 0 to 1 with median 0.30; on 182 pairs at the row lengths of
/// four untuned models (k = 1536-9216) 0.3 leaves a mean |log error| of 0.098, erring slightly
/// towards charging too much. mma/c4_m2_u4_b8 on Phi-3's 1×16384×3072 (half full) ran about 1.2×
/// its relative time on its k = 2048 and 4096 neighbours.
pub const ROUND_TRIP_EXPONENT: f64 = 0.3;
/// The same share for the round model ([`round_penalty`]): a SM left idle in the last round of
/// blocks does not idle the memory, which the other SMs' loads keep busy. Measured on the H200
/// (2026-11-22): mma/m16_k16, one block of 16 warps a SM, in one round of 112–128 blocks on its
/// tuned neighbours, took 1.14× cuBLAS on 4×1536×8960 (192 blocks: two rounds, the second
/// 45 % full), where the model says 1.33–1.38× the neighbours' relative time.
pub const ROUND_EXPONENT: f64 = 0.5;
/// Distance added when a neighbour's epilogue differs.
const EPILOGUE_STEP: f64 = 0.5;
/// Added to every distance before weighting by its inverse: an exact match does not drown the
/// others, and shapes within ~10 % in n and k count about alike.
const NEAR: f64 = 0.1;

/// Why a variant was chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The table holds this problem; its winner.
    Tuned { time_us: f64 },
    /// The table does not hold it; the best variant over these tuned neighbours.
    Nearest {
        neighbours: Vec<String>,
        /// Mean time relative to each neighbour's winner (1.0: won everywhere).
        mean_relative: f64,
    },
    /// No usable table (or no neighbour): the vendor library.
    Fallback { why: String },
    /// A PDL plan: the variant a search over the model's whole decode chain picked for this
    /// problem, and that chain's µs per token.
    Chain { model: String, chain_us: f64 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub variant: String,
    pub reason: Reason,
}

/// The variant to run `problem` with when it launches with programmatic dependent launch
/// (`pdl`) or without: under PDL the table's chain pick comes first, then as [`choose`].
pub fn choose_for(
    problem: &Problem,
    table: Option<&DispatchTable>,
    registry: &Registry,
    pdl: bool,
    block_slots: &mut dyn FnMut(&Variant) -> Option<u64>,
) -> Result<Choice, String> {
    let pick = table
        .filter(|_| pdl)
        .and_then(|t| t.entry(problem))
        .and_then(|e| e.chain_pdl.as_ref())
        .filter(|pick| {
            registry
                .get(&pick.variant)
                .is_some_and(|v| can_run(problem, v))
        });
    match pick {
        Some(pick) => Ok(Choice {
            variant: pick.variant.clone(),
            reason: Reason::Chain {
                model: pick.model.clone(),
                chain_us: pick.chain_us,
            },
        }),
        None => choose(problem, table, registry, block_slots),
    }
}

/// The variant to run `problem` with. Only CUDA variants of `registry` that can run it are
/// chosen; the result is an error only when not even the vendor library can run it.
/// `block_slots`: how many blocks of a variant's grid for `problem` run at once on the GPU (blocks
/// a SM times SMs), for a rule's round model; None where unknown (not charged).
pub fn choose(
    problem: &Problem,
    table: Option<&DispatchTable>,
    registry: &Registry,
    block_slots: &mut dyn FnMut(&Variant) -> Option<u64>,
) -> Result<Choice, String> {
    let runnable = |id: &str| registry.get(id).filter(|v| can_run(problem, v));
    let Some(table) = table else {
        return fallback(problem, registry, "no dispatch table".into());
    };
    if let Some(entry) = table.entry(problem) {
        if let Some(winner) = entry.winner.as_deref().and_then(runnable) {
            return Ok(Choice {
                variant: winner.id.clone(),
                reason: Reason::Tuned {
                    time_us: entry.winner_us.unwrap_or(f64::NAN),
                },
            });
        }
    }
    let neighbours = match nearest(problem, table) {
        Ok(neighbours) => neighbours,
        Err(why) => return fallback(problem, registry, why),
    };
    // The best skinny kernel and the best vendor call, each by weighted mean relative time.
    let mut best_own: Option<(&str, f64)> = None;
    let mut best_vendor: Option<(&str, f64)> = None;
    for variant in registry.variants.iter().filter(|v| can_run(problem, v)) {
        // The round model's grid, asked of the caller (it may compile the kernel) only for grids
        // it covers and variants some neighbour timed: the others are charged MISSING_PENALTY.
        let timed = neighbours
            .iter()
            .any(|(_, e)| e.relative_time(&variant.id, table.metric).is_some());
        let rounds = crate::kernels::rows_per_block(variant)
            .filter(|_| timed)
            .and_then(|rows| Some((rows, block_slots(variant)?)));
        let (mut sum, mut weights) = (0.0, 0.0);
        for (d, e) in &neighbours {
            let weight = 1.0 / (d + NEAR);
            let relative = e
                .relative_time(&variant.id, table.metric)
                // A measured variant never counts worse than one nobody timed.
                .map(|r| {
                    let penalty = k_loop_penalty(variant, e.key.k, problem)
                        * round_penalty(rounds, e.key.n, problem);
                    (r * penalty).min(MISSING_PENALTY)
                })
                .unwrap_or(MISSING_PENALTY);
            sum += weight * relative;
            weights += weight;
        }
        let mean = sum / weights;
        let slot = if variant.is_vendor() {
            &mut best_vendor
        } else {
            &mut best_own
        };
        if slot.is_none_or(|(_, b)| mean < b) {
            *slot = Some((&variant.id, mean));
        }
    }
    // A shape nobody timed is a guess: leave the vendor library only for a clear margin.
    let best = match (best_own, best_vendor) {
        (Some(own), Some(vendor)) if own.1 * (1.0 + RULE_MARGIN) > vendor.1 => Some(vendor),
        (Some(own), _) => Some(own),
        (None, vendor) => vendor,
    };
    match best {
        Some((id, mean)) if mean < MISSING_PENALTY => Ok(Choice {
            variant: id.to_string(),
            reason: Reason::Nearest {
                neighbours: neighbours.iter().map(|(_, e)| e.key.label()).collect(),
                mean_relative: mean,
            },
        }),
        _ => fallback(
            problem,
            registry,
            "no variant that runs this problem was timed on its nearest tuned shapes".into(),
        ),
    }
}

/// How much slower `variant` is expected to be on `problem` than on a tuned shape of row
/// length `tuned_k`, from its K loop alone: how full its DRAM round trips run there against here
/// ([`crate::kernels::k_loop_fill`]), to the power [`LAST_STEP_EXPONENT`] ([`ROUND_TRIP_EXPONENT`]
/// for gemv_mma, whose model counts round trips; 1.0 for a variant without a fixed step, and
/// never below 1: a rule may learn a kernel is worse at this row length, not that it is better
/// than measured).
fn k_loop_penalty(variant: &Variant, tuned_k: usize, problem: &Problem) -> f64 {
    let element = problem.dtype().size_bytes();
    let fill = |k: usize| crate::kernels::k_loop_fill(variant, k as u64 * element);
    let exponent = if crate::kernels::k_loop_counts_round_trips(variant) {
        ROUND_TRIP_EXPONENT
    } else {
        LAST_STEP_EXPONENT
    };
    match (fill(tuned_k), fill(problem.k())) {
        (Some(tuned), Some(here)) if here > 0.0 => (tuned / here).max(1.0).powf(exponent),
        _ => 1.0,
    }
}

/// How much slower a variant whose grid is one block per `rows` rows of W, `slots` of its blocks
/// running at once (`rounds`), is expected to be on `problem` than on a tuned shape of `tuned_n`
/// rows: it runs ceil(blocks / slots) rounds, and a round takes a block's time however full it
/// is. Past one round, the share of the rounds' slots that hold a block (one
/// round is full: its blocks all run at once, and a small grid's blocks are what the tuned
/// times already measured), there against here, to the power [`ROUND_EXPONENT`] (1.0 for other
/// grids or unknown slots, and never below 1, as [`k_loop_penalty`]).
fn round_penalty(rounds: Option<(u64, u64)>, tuned_n: usize, problem: &Problem) -> f64 {
    let Some((rows, slots)) = rounds.filter(|&(rows, slots)| rows > 0 && slots > 0) else {
        return 1.0;
    };
    let filled = |n: usize| {
        let blocks = (n as u64).div_ceil(rows);
        if blocks <= slots {
            return 1.0;
        }
        blocks as f64 / (blocks.div_ceil(slots) * slots) as f64
    };
    (filled(tuned_n) / filled(problem.n()))
        .max(1.0)
        .powf(ROUND_EXPONENT)
}

/// The plain vendor GEMM: the baseline of every problem without a bias, and the one the issue's
/// speed-ups and the report's are quoted against.
pub const CUBLAS_GEMM: &str = "cublas/gemm";

/// The vendor call a product is measured against: cuBLASLt with its bias epilogue where there
/// is a bias (cuBLAS GEMM has none), cuBLAS GEMM otherwise: what a framework's Linear calls.
pub fn vendor_baseline(problem: &Problem) -> &'static str {
    match problem.epilogue() {
        Epilogue::Bias => "cublaslt/matmul",
        _ => CUBLAS_GEMM,
    }
}

/// A CUDA variant that can run `problem`: the only kind dispatch chooses.
fn can_run(problem: &Problem, variant: &Variant) -> bool {
    variant.backend == BackendKind::Cuda
        && unsupported_reasons(problem, &variant.supports).is_empty()
}

/// Distance in n, k and epilogue between a problem and a tuned one (m is matched before).
fn distance(a: &Problem, key: &super::ProblemKey) -> f64 {
    let log = |v: usize| (v as f64).ln();
    let epilogue = if a.epilogue().name() == key.epilogue {
        0.0
    } else {
        EPILOGUE_STEP
    };
    (log(a.n()) - log(key.n)).abs() + (log(a.k()) - log(key.k)).abs() + epilogue
}

/// Up to [`NEIGHBOURS`] tuned entries with a winner, of `problem`'s dtype and layout and the
/// nearest row count (within [`MAX_M_RATIO`]), nearest first, with their distances; or why there
/// are none.
fn nearest<'t>(
    problem: &Problem,
    table: &'t DispatchTable,
) -> Result<Vec<(f64, &'t TableEntry)>, String> {
    let same_kind: Vec<&TableEntry> = table
        .entries
        .iter()
        .filter(|e| e.winner_us.is_some())
        .filter(|e| e.key.dtype == problem.dtype() && e.key.layout == problem.layout())
        .collect();
    let m_gap = |m: usize| ((m as f64).ln() - (problem.m() as f64).ln()).abs();
    let Some(m) = same_kind
        .iter()
        .map(|e| e.key.m)
        .min_by(|a, b| m_gap(*a).total_cmp(&m_gap(*b)).then(a.cmp(b)))
    else {
        return Err(format!(
            "the table has no tuned {} {} problem",
            problem.dtype(),
            problem.layout()
        ));
    };
    if m_gap(m) > MAX_M_RATIO.ln() + 1e-9 {
        return Err(format!(
            "the table's nearest tuned row count (m = {m}) is more than {MAX_M_RATIO}× from m = {}",
            problem.m()
        ));
    }
    let mut scored: Vec<(f64, &TableEntry)> = same_kind
        .into_iter()
        .filter(|e| e.key.m == m)
        .map(|e| (distance(problem, &e.key), e))
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    scored.truncate(NEIGHBOURS);
    Ok(scored)
}

/// The vendor variant for `problem`: cuBLASLt where there is a bias (its epilogue fuses it),
/// then cuBLAS GEMM (+ a bias kernel), in the registry's terms.
fn fallback(problem: &Problem, registry: &Registry, why: String) -> Result<Choice, String> {
    let order: &[&str] = match problem.epilogue() {
        Epilogue::Bias => &["cublaslt_matmul", "cublas_gemm_bias", "cublas_gemm"],
        _ => &["cublas_gemm", "cublaslt_matmul"],
    };
    for kernel in order {
        if let Some(v) = registry
            .variants
            .iter()
            .find(|v| v.kernel == *kernel && can_run(problem, v))
        {
            return Ok(Choice {
                variant: v.id.clone(),
                reason: Reason::Fallback { why },
            });
        }
    }
    Err(format!(
        "no CUDA variant of the registry can run {problem} (not even the vendor library)"
    ))
}
