//! `skinny decode` on a real GPU, on a chain of awkward sizes: every mode, including the
//! persistent kernel, must reproduce the cuBLAS eager chain step by step (outputs poisoned
//! first; `run_decode` checks each mode against it).
//!
//! The sizes stress the persistent kernel's partition and ring: 64 output rows (fewer than the
//! H200's 132 SMs, so some blocks own no row of a product), row counts that are no multiple of
//! the grid, a bias on a product worked in tensor-core tiles, rows of 16376 elements that fill a
//! 32 KB stage alone (o: 30 rows a SM, each its own stage, so the ring's slots are reused within
//! a product that is worked a row a warp), k not a multiple of 32 (200 and 16376: a partial last
//! k block), at bf16 and f16.
//!
//! Ignored without an NVIDIA GPU, like tests/cuda_backend.rs.

use std::time::Duration;

use skinny::backend::cuda::chain_tune::{tune_chain, ChainTuneSettings};
use skinny::backend::cuda::decode::{run_decode, DecodeSettings};
use skinny::backend::cuda::dispatcher::{DispatchOptions, Dispatcher, TableStatus};
use skinny::decode::Chain;
use skinny::dispatch::chain::SearchSettings;
use skinny::dispatch::{DispatchTable, Metric, Reason};
use skinny::measure::StoppingRule;
use skinny::shapes::ShapeSet;
use skinny::source::SourceFile;

const AWKWARD_CHAIN: &str = r#"
name = "awkward-chain"
description = "a decode chain of sizes no kernel tile divides"
dtype = "bf16"
layers = 2

[[shape]]
name = "qkv"
n = 16400
k = 64
epilogue = "bias"

[[shape]]
name = "o"
n = 3960
k = 16376

[[shape]]
name = "gate_up"
n = 200
k = 3960

[[shape]]
name = "down"
n = 64
k = 200

[[shape]]
name = "lm_head"
n = 70001
k = 64
"#;

#[test]
#[ignore = "needs an NVIDIA GPU (run with --ignored on a GPU machine)"]
fn every_decode_mode_matches_cublas_on_an_awkward_chain() {
    for dtype in ["bf16", "f16"] {
        check_every_mode(&awkward_chain(dtype), dtype);
    }
}

/// The awkward chain at `dtype`.
fn awkward_chain(dtype: &str) -> Chain {
    let text = AWKWARD_CHAIN.replace("dtype = \"bf16\"", &format!("dtype = \"{dtype}\""));
    let set = ShapeSet::parse(&SourceFile::embedded("awkward-chain.toml", &text))
        .expect("the test's shape set parses");
    Chain::from_set(&set, 1).expect("the test's sizes chain")
}

/// Decode settings that time each mode only briefly: these tests are about the checks.
fn brief_settings(persistent: bool) -> DecodeSettings {
    DecodeSettings {
        rule: StoppingRule {
            warmup: Duration::from_millis(5),
            min_samples: 3,
            max_samples: 5,
            time_cap: Duration::from_millis(50),
            ..StoppingRule::default()
        },
        seed: 7,
        persistent,
        persistent_stages: None,
    }
}

/// The chain search on the awkward chain: every chain it times was checked against cuBLAS
/// first, so none may fail; its picks, written into a table, are what the PDL plans then run,
/// and those chains must match cuBLAS too.
#[test]
#[ignore = "needs an NVIDIA GPU (run with --ignored on a GPU machine)"]
fn the_chain_search_picks_variants_whose_chains_match_cublas() {
    let chain = awkward_chain("bf16");
    let stream = skinny::backend::cuda::new_stream().expect("a CUDA device");
    let mut dispatcher = Dispatcher::new(stream, DispatchOptions::default()).unwrap();
    let mut settings = ChainTuneSettings::new(11);
    settings.search = SearchSettings {
        max_passes: 1,
        ..SearchSettings::default()
    };
    settings.confirm_rounds = 1;
    // Kernels of every family with a PDL build, the early-W ones among them.
    settings.variants = Some(
        [
            "cublas*",
            "gemv/baseline_t32",
            "dot/m1",
            "dot/m1_grid",
            "dot/m1_u5_xw",
            "dot/m1_r4w1_xw",
            "dot/m1_r8w2_xw",
            "dot/m1_r4w8_u3_xw",
            "dot/m1_r4w1_xw_et",
            "dot/m1_r4w8_u3_xw_et",
            "mma/m8_k8",
        ]
        .map(String::from)
        .to_vec(),
    );
    let tuning = tune_chain(&mut dispatcher, &chain, &settings, |_| {}).unwrap();
    assert!(tuning.failures.is_empty(), "{:?}", tuning.failures);
    assert_eq!(tuning.picks.len(), chain.problems().len());
    for pick in &tuning.picks {
        // Without a table the search starts from cuBLAS and tries the others.
        assert!(pick.start.starts_with("cublas"), "{}", pick.start);
        assert!(pick.candidates > 1 && pick.tried.contains_key(&pick.pick));
    }
    // What the table records: the picks if the closing comparison kept them, else the start.
    let picks = tuning.table_picks(&chain.model);
    let mut table = DispatchTable::empty(dispatcher.validators().clone(), Metric::Graph);
    for (problem, pick) in &picks {
        table.set_chain_pick(problem, pick.clone());
    }
    assert_eq!(dispatcher.replace_table(table), &TableStatus::Used);
    dispatcher.with_pdl(true, |d| {
        for (problem, pick) in &picks {
            let choice = d.choose(problem).unwrap();
            assert_eq!(choice.variant, pick.variant);
            assert!(matches!(choice.reason, Reason::Chain { .. }));
        }
    });
    let outcome = run_decode(
        &mut dispatcher,
        &chain,
        4000.0,
        &brief_settings(false),
        |_| {},
    )
    .unwrap();
    for mode in &outcome.modes {
        assert!(
            mode.chain_check.passed,
            "{}: {:?}",
            mode.mode, mode.chain_check
        );
    }
    // The PDL modes ran the picks, each of which also matched cuBLAS alone.
    assert_eq!(outcome.pdl_choices.len(), picks.len());
    for (choice, (_, pick)) in outcome.pdl_choices.iter().zip(&picks) {
        assert_eq!(choice.variant, pick.variant);
        assert!(
            choice.check.passed,
            "{}: {:?}",
            choice.variant, choice.check
        );
    }
}

fn check_every_mode(chain: &Chain, dtype: &str) {
    let stream = skinny::backend::cuda::new_stream().expect("a CUDA device");
    let mut dispatcher = Dispatcher::new(stream, DispatchOptions::default()).unwrap();
    let settings = brief_settings(true);
    // The floor is not what this test is about; any positive bandwidth will do.
    let mut said = Vec::new();
    let outcome = run_decode(&mut dispatcher, chain, 4000.0, &settings, |what| {
        said.push(what.to_string())
    })
    .unwrap();
    for c in outcome.choices.iter().chain(&outcome.pdl_choices) {
        assert!(
            c.check.passed,
            "{dtype} {} {}: {:?}",
            c.role, c.variant, c.check
        );
    }
    let modes: Vec<&str> = outcome.modes.iter().map(|m| m.mode.as_str()).collect();
    assert!(
        modes.contains(&"skinny-persistent"),
        "{dtype}: the persistent mode did not run; modes: {modes:?}; decode said: {said:?}"
    );
    for mode in &outcome.modes {
        let check = &mode.chain_check;
        assert!(
            check.passed,
            "{dtype} {}: step {} ({}) error {:.3e} over the bound {:.3e}",
            mode.mode,
            check.worst_step,
            chain.steps[check.worst_step].role,
            check.worst_error,
            check.bound
        );
    }
}
