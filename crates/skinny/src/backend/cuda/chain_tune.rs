//! `skinny decode --tune-chain` on the GPU: each product's variant chosen by the time of the
//! whole decode chain under programmatic dependent launch, replayed from a CUDA graph.
//!
//! `dispatch::chain` holds the search; this module builds the chains it asks for, checks each
//! against the cuBLAS chain before timing it (a candidate whose chain does not match is recorded
//! and never picked), times it, and closes with an interleaved comparison of the starting
//! choice and the picks, so that a gain the search saw in noise is not kept.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use super::decode::{
    chain_operands, check_chain, fill_weights, issue_plans, outputs, plan_set, poison,
    read_outputs, reference_chain,
};
use super::dispatcher::{Dispatcher, MatmulPlan};
use super::timing::{capture, time_graph_replay};
use crate::backend::RunError;
use crate::decode::{Chain, ChainTuning, ChainTuningPick};
use crate::dispatch::chain::{chain_search, SearchSettings};
use crate::dispatch::vendor_baseline;
use crate::measure::{Stats, StoppingRule};
use crate::plan::unsupported_reasons;
use crate::problem::Problem;
use crate::registry::BackendKind;

pub struct ChainTuneSettings {
    pub search: SearchSettings,
    /// Only these variants (registry globs) are tried; all that can run a problem when `None`.
    pub variants: Option<Vec<String>>,
    /// A variant the table timed slower than this many times its winner is not tried.
    pub max_relative: f64,
    /// Rounds of the closing comparison (the starting choice and the picks, one after the
    /// other in each round).
    pub confirm_rounds: usize,
    pub seed: u64,
}

impl ChainTuneSettings {
    pub fn new(seed: u64) -> ChainTuneSettings {
        ChainTuneSettings {
            search: SearchSettings::default(),
            variants: None,
            max_relative: 1.5,
            confirm_rounds: 7,
            seed,
        }
    }
}

/// How one chain is timed during the search: enough replays for a median good to a few tenths
/// of a percent (the search's margin), few enough for hundreds of chains.
fn search_rule() -> StoppingRule {
    StoppingRule {
        warmup: Duration::from_millis(1),
        spread_target: 0.002,
        min_samples: 15,
        max_samples: 60,
        time_cap: Duration::from_millis(100),
    }
}

/// Search `chain` for the per-problem variants that make it fastest under PDL in a graph,
/// starting from what the dispatcher chooses for PDL plans now.
pub fn tune_chain(
    dispatcher: &mut Dispatcher,
    chain: &Chain,
    settings: &ChainTuneSettings,
    mut progress: impl FnMut(&str),
) -> Result<ChainTuning, String> {
    let stream = dispatcher.stream().clone();
    let spin = dispatcher
        .backend_mut()
        .spin_kernel()
        .map_err(|e| e.message)?;
    let problems = chain.problems();
    let step_problem = chain.step_problems();

    let candidates = dispatcher.with_pdl(true, |d| {
        problems
            .iter()
            .map(|p| candidates_of(d, p, settings))
            .collect::<Result<Vec<_>, String>>()
    })?;
    progress(&format!(
        "chain search over {} candidates of {} problems",
        candidates.iter().map(Vec::len).sum::<usize>(),
        problems.len()
    ));

    progress("filling the weights and running the cuBLAS chain");
    let weights = fill_weights(dispatcher, chain, settings.seed)?;
    let vendor = plan_set(dispatcher, chain, |d, p| {
        d.plan_variant(p, vendor_baseline(p))
    })?;
    let reference = reference_chain(&stream, chain, &vendor, &weights)?;
    let out = outputs(&stream, chain)?;
    let ops = chain_operands(&stream, chain, &weights, &out);

    // Plans by (problem, candidate), made on first use, all for PDL launches.
    let mut plans: HashMap<(usize, usize), MatmulPlan> = HashMap::new();
    let mut graph_of = |dispatcher: &mut Dispatcher, picks: &[usize]| {
        for (p, &c) in picks.iter().enumerate() {
            if let std::collections::hash_map::Entry::Vacant(slot) = plans.entry((p, c)) {
                let plan =
                    dispatcher.with_pdl(true, |d| d.plan_variant(&problems[p], &candidates[p][c]));
                slot.insert(plan?);
            }
        }
        let plan_of = |i: usize| {
            let p = step_problem[i];
            &plans[&(p, picks[p])]
        };
        let graph = capture(&stream, || {
            issue_plans(&stream, chain, plan_of, &ops).map_err(RunError::new)
        })
        .map_err(|e| format!("capturing the chain: {e}"))?;
        // Checked once on poisoned outputs before any time counts.
        poison(&stream, &out)?;
        graph
            .launch()
            .map_err(|e| format!("replaying the chain: {e}"))?;
        let got = read_outputs(&stream, chain, &out)?;
        let check = check_chain(chain, &got, &reference.outputs);
        if !check.passed {
            return Err(format!(
                "the chain did not match cuBLAS: relative error {:.1e} at step {} ({}), bound {:.1e}",
                check.worst_error, check.worst_step, chain.steps[check.worst_step].role, check.bound
            ));
        }
        Ok(graph)
    };
    let replay = |graph: &cudarc::driver::CudaGraph| {
        time_graph_replay(&stream, &spin, &search_rule(), graph)
            .map(|stats| stats.median)
            .map_err(|e| format!("timing the chain: {}", e.message))
    };

    let counts: Vec<usize> = candidates.iter().map(Vec::len).collect();
    let mut evaluated = 0usize;
    let pairs = chain.neighbour_problems();
    let start = vec![0; counts.len()];
    let search = chain_search(&counts, start, &settings.search, &pairs, |picks| {
        let us = replay(&graph_of(dispatcher, picks)?)?;
        evaluated += 1;
        if evaluated % 20 == 0 {
            progress(&format!("{evaluated} chains timed, this one {us:.1} µs"));
        }
        Ok(us)
    })?;

    progress(&format!(
        "closing comparison: the starting choice against the picks, {} rounds",
        settings.confirm_rounds
    ));
    let start_graph = graph_of(dispatcher, &vec![0; counts.len()])?;
    let tuned_graph = graph_of(dispatcher, &search.picks)?;
    let (mut start_us, mut tuned_us) = (Vec::new(), Vec::new());
    for round in 0..settings.confirm_rounds.max(1) {
        // Each goes first in every other round, so that an order effect favours neither.
        if round % 2 == 0 {
            start_us.push(replay(&start_graph)?);
            tuned_us.push(replay(&tuned_graph)?);
        } else {
            tuned_us.push(replay(&tuned_graph)?);
            start_us.push(replay(&start_graph)?);
        }
    }
    let median = |values: Vec<f64>| Stats::from_samples(values, false).median;
    let (start_us, tuned_us) = (median(start_us), median(tuned_us));

    let picks = problems
        .iter()
        .enumerate()
        .map(|(p, problem)| ChainTuningPick {
            problem: *problem,
            start: candidates[p][0].clone(),
            pick: candidates[p][search.picks[p]].clone(),
            candidates: candidates[p].len(),
            tried: candidates[p]
                .iter()
                .zip(&search.tried[p])
                .filter_map(|(v, t)| Some((v.clone(), (*t)?)))
                .collect::<BTreeMap<_, _>>(),
        })
        .collect();
    Ok(ChainTuning {
        evaluations: search.evaluations,
        passes: search.passes,
        joint_moves: search.joint_moves,
        search_start_us: search.start_us,
        search_best_us: search.best_us,
        start_us,
        tuned_us,
        // The search's own margin: a gain inside it is noise, and the table's choice stays.
        kept: tuned_us < start_us * (1.0 - settings.search.margin),
        picks,
        failures: search
            .failures
            .iter()
            .map(|f| {
                let with = match f.with {
                    Some((p, c)) => format!(" with {} on {}", candidates[p][c], problems[p]),
                    None => String::new(),
                };
                format!(
                    "{} on {}{with}: {}",
                    candidates[f.problem][f.candidate], problems[f.problem], f.why
                )
            })
            .collect(),
    })
}

/// The candidates of one problem: what the dispatcher chooses for a PDL plan now, then every
/// other CUDA variant (of `settings.variants`) that can run it, less those the table timed
/// slower than `max_relative` times its winner or saw fail.
fn candidates_of(
    dispatcher: &mut Dispatcher,
    problem: &Problem,
    settings: &ChainTuneSettings,
) -> Result<Vec<String>, String> {
    let start = dispatcher.choose(problem)?.variant;
    let registry = dispatcher.registry();
    let allowed = match &settings.variants {
        Some(globs) => registry.select(globs)?,
        None => registry.variants.clone(),
    };
    let table = dispatcher.table();
    let entry = table.and_then(|t| t.entry(problem));
    let mut out = vec![start];
    for variant in allowed {
        if variant.backend != BackendKind::Cuda
            || !unsupported_reasons(problem, &variant.supports).is_empty()
            || out.contains(&variant.id)
        {
            continue;
        }
        let measured = entry.and_then(|e| e.candidates.iter().find(|c| c.variant == variant.id));
        if let (Some(table), Some(entry), Some(candidate)) = (table, entry, measured) {
            let too_slow = match (candidate.time_us(table.metric), entry.winner_us) {
                (Some(t), Some(best)) => t > settings.max_relative * best,
                // Failed, or passed without the table's figure: the table cannot vouch for it.
                (None, _) => true,
                (Some(_), None) => false,
            };
            if too_slow {
                continue;
            }
        }
        out.push(variant.id);
    }
    Ok(out)
}
