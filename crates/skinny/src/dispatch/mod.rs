//! Dispatch: pick the fastest correct variant for a problem at run time.
//!
//! `skinny tune` turns probe results into a [`DispatchTable`]: per problem key every candidate's
//! figures and the winner under one metric, with validators that tie the table to the system it
//! was measured on. [`choose`] answers "which variant for this problem": the tuned winner when
//! the table holds the problem, otherwise a rule derived from the table's nearest neighbours in
//! shape, and cuBLAS when there is no usable table at all. It never fails on a valid problem.
//!
//! This module is pure (no GPU): the CUDA side that compiles and launches the choice is
//! `backend::cuda::Dispatcher`.

pub mod chain;
mod rules;
mod table;

pub use chain::ChainPick;
pub use rules::{choose, choose_for, vendor_baseline, Choice, Reason, CUBLAS_GEMM};
pub use table::{
    sources_digest, Candidate, DispatchTable, Metric, ProblemKey, TableEntry, Validators,
    TABLE_SCHEMA, TABLE_SCHEMA_VERSION,
};

use serde::{Deserialize, Serialize};

/// One shape's dispatch choice measured beside cuBLAS GEMM (`skinny dispatch --measure`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DispatchCheck {
    pub shape: crate::shapes::Shape,
    pub choice: Choice,
    /// The figure compared (the table's metric).
    pub figure: String,
    pub dispatched_us: Option<f64>,
    pub cublas_us: Option<f64>,
    /// dispatched / cuBLAS; at most 1.05 is the bar.
    pub ratio: Option<f64>,
}

#[cfg(test)]
mod tests;
