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
use skinny::dispatch::chain::{ChainPick, SearchSettings};
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
        mlp_blocks_per_sm: None,
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

/// A chain whose MLP the fused kernel splits unevenly: down's k (488) and gate_up's other rows
/// (512) are no multiple of any grid, and 8-wide rows everywhere else.
const MLP_CHAIN: &str = r#"
name = "mlp-chain"
description = "a decode chain for the fused MLP"
dtype = "bf16"
layers = 3

[[shape]]
name = "qkv"
n = 136
k = 72
epilogue = "bias"

[[shape]]
name = "o"
n = 72
k = 128

[[shape]]
name = "gate_up"
n = 1000
k = 72

[[shape]]
name = "down"
n = 72
k = 488

[[shape]]
name = "lm_head"
n = 5000
k = 72
"#;

/// The skinny-graph-pdl-mlp mode (gate_up and down in one kernel, the next product reading
/// down's f32 accumulator) must match cuBLAS step by step, at every grid it can run, at bf16
/// and f16. The table pins gemv_split picks, whose f32-x builds the mode needs.
#[test]
#[ignore = "needs an NVIDIA GPU (run with --ignored on a GPU machine)"]
fn the_fused_mlp_chain_matches_cublas_step_by_step() {
    for dtype in ["bf16", "f16"] {
        let text = MLP_CHAIN.replace("dtype = \"bf16\"", &format!("dtype = \"{dtype}\""));
        let set = ShapeSet::parse(&SourceFile::embedded("mlp-chain.toml", &text)).unwrap();
        let chain = Chain::from_set(&set, 1).unwrap();
        let stream = skinny::backend::cuda::new_stream().expect("a CUDA device");
        let mut dispatcher = Dispatcher::new(stream, DispatchOptions::default()).unwrap();
        let mut table = DispatchTable::empty(dispatcher.validators().clone(), Metric::Graph);
        let picks = [
            "dot/m1_r4w1_xw_et",
            "gemv/baseline_t32",
            "dot/m1_r4w1_xw",
            "dot/m1_u5_xw",
            "dot/m1_r8w2_xw",
        ];
        for (problem, variant) in chain.problems().iter().zip(picks) {
            let pick = ChainPick {
                model: chain.model.clone(),
                variant: variant.into(),
                chain_us: 1.0,
                tried: Default::default(),
            };
            table.set_chain_pick(problem, pick);
        }
        assert_eq!(dispatcher.replace_table(table), &TableStatus::Used);
        for blocks_per_sm in [None, Some(1)] {
            let settings = DecodeSettings {
                mlp_blocks_per_sm: blocks_per_sm,
                ..brief_settings(false)
            };
            let mut said = Vec::new();
            let outcome = run_decode(&mut dispatcher, &chain, 4000.0, &settings, |what| {
                said.push(what.to_string())
            })
            .unwrap();
            let fused = outcome
                .modes
                .iter()
                .find(|m| m.mode == "skinny-graph-pdl-mlp")
                .unwrap_or_else(|| panic!("{dtype}: no fused-MLP mode; decode said: {said:?}"));
            for mode in &outcome.modes {
                let check = &mode.chain_check;
                assert!(
                    check.passed,
                    "{dtype} {blocks_per_sm:?} {}: step {} ({}) error {:.3e} over {:.3e}",
                    mode.mode,
                    check.worst_step,
                    chain.steps[check.worst_step].role,
                    check.worst_error,
                    check.bound
                );
            }
            // Down's steps were checked from the accumulators, not skipped.
            let errors = &fused.chain_check.step_errors;
            assert_eq!(errors.len(), chain.steps.len());
            assert!(errors.iter().all(|e| e.is_finite()));
        }
    }
}
