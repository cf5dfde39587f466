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

mod rules;
mod table;

pub use rules::{choose, Choice, Reason};
pub use table::{
    sources_digest, Candidate, DispatchTable, Metric, ProblemKey, TableEntry, Validators,
    TABLE_SCHEMA, TABLE_SCHEMA_VERSION,
};
