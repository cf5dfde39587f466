//! Which variant runs a problem: the tuned winner, a rule from the nearest tuned shapes, or the
//! vendor library.
//!
//! The rule for a shape the table does not hold: take the tuned problems of the same dtype and
//! layout nearest to it (distance in log space over m, n and k, with m counted twice because the
//! row count changes which kernel family wins, and a step for a different epilogue), and pick
//! the variant that can run the problem with the smallest mean time relative to each
//! neighbour's winner. A variant a neighbour did not run counts as [`MISSING_PENALTY`] times
//! slower there. cuBLAS is among the candidates, so where it won nearby it is chosen.

use serde::{Deserialize, Serialize};

use super::table::{DispatchTable, TableEntry};
use crate::plan::unsupported_reasons;
use crate::problem::{Epilogue, Problem};
use crate::registry::{BackendKind, Registry, Variant};

/// Tuned problems a rule looks at.
pub const NEIGHBOURS: usize = 3;
/// Relative time charged to a variant a neighbour has no time for.
pub const MISSING_PENALTY: f64 = 4.0;
/// Distance added when a neighbour's epilogue differs.
const EPILOGUE_STEP: f64 = 0.5;

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
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub variant: String,
    pub reason: Reason,
}

/// The variant to run `problem` with. Only CUDA variants of `registry` that can run it are
/// chosen; the result is an error only when not even the vendor library can run it.
pub fn choose(
    problem: &Problem,
    table: Option<&DispatchTable>,
    registry: &Registry,
) -> Result<Choice, String> {
    let runnable = |id: &str| -> Option<&Variant> {
        registry
            .get(id)
            .filter(|v| v.backend == BackendKind::Cuda)
            .filter(|v| unsupported_reasons(problem, &v.supports).is_empty())
    };
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
    let neighbours = nearest(problem, table);
    if neighbours.is_empty() {
        return fallback(
            problem,
            registry,
            format!(
                "the table has no tuned {} {} problem",
                problem.dtype(),
                problem.layout()
            ),
        );
    }
    let mut best: Option<(&str, f64)> = None;
    for variant in registry
        .variants
        .iter()
        .filter(|v| runnable(&v.id).is_some())
    {
        let mean = neighbours
            .iter()
            .map(|e| {
                e.relative_time(&variant.id, table.metric)
                    .unwrap_or(MISSING_PENALTY)
            })
            .sum::<f64>()
            / neighbours.len() as f64;
        if best.is_none_or(|(_, b)| mean < b) {
            best = Some((&variant.id, mean));
        }
    }
    match best {
        Some((id, mean)) if mean < MISSING_PENALTY => Ok(Choice {
            variant: id.to_string(),
            reason: Reason::Nearest {
                neighbours: neighbours.iter().map(|e| e.key.label()).collect(),
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

/// Distance between two problems' shapes; `None` when they cannot inform each other (dtype or
/// layout differs).
fn distance(a: &Problem, key: &super::ProblemKey) -> Option<f64> {
    if a.dtype() != key.dtype || a.layout() != key.layout {
        return None;
    }
    let log = |v: usize| (v as f64).ln();
    let epilogue = if a.epilogue().name() == key.epilogue {
        0.0
    } else {
        EPILOGUE_STEP
    };
    Some(
        2.0 * (log(a.m()) - log(key.m)).abs()
            + (log(a.n()) - log(key.n)).abs()
            + (log(a.k()) - log(key.k)).abs()
            + epilogue,
    )
}

/// Up to [`NEIGHBOURS`] tuned entries nearest to `problem` that have a winner.
fn nearest<'t>(problem: &Problem, table: &'t DispatchTable) -> Vec<&'t TableEntry> {
    let mut scored: Vec<(f64, &TableEntry)> = table
        .entries
        .iter()
        .filter(|e| e.winner_us.is_some())
        .filter_map(|e| Some((distance(problem, &e.key)?, e)))
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    scored
        .into_iter()
        .take(NEIGHBOURS)
        .map(|(_, e)| e)
        .collect()
}

/// The vendor variant for `problem`: cuBLASLt where there is a bias (its epilogue fuses it),
/// then cuBLAS GEMM (+ a bias kernel), in the registry's terms.
fn fallback(problem: &Problem, registry: &Registry, why: String) -> Result<Choice, String> {
    let order: &[&str] = match problem.epilogue() {
        Epilogue::Bias => &["cublaslt_matmul", "cublas_gemm_bias", "cublas_gemm"],
        _ => &["cublas_gemm", "cublaslt_matmul"],
    };
    for kernel in order {
        if let Some(v) = registry.variants.iter().find(|v| {
            v.kernel == *kernel
                && v.backend == BackendKind::Cuda
                && unsupported_reasons(problem, &v.supports).is_empty()
        }) {
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
