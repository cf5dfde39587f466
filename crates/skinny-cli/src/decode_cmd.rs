//! `skinny decode`: one decode step's matmul chain in every mode, against the weight-bytes floor.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};

use skinny::backend::cuda::chain_tune::{tune_chain, ChainTuneSettings};
use skinny::backend::cuda::decode::{run_decode, DecodeSettings};
use skinny::backend::cuda::dispatcher::{DispatchOptions, Dispatcher, TableStatus};
use skinny::decode::{Chain, ChainTuning, DecodeFailure, DecodeOutcome, ProductTrace};
use skinny::dispatch::{DispatchTable, Metric};
use skinny::measure::StoppingRule;
use skinny::model_config;
use skinny::probe::{ProbeOutcome, ProbeSettings};
use skinny::problem::Dtype;
use skinny::results::{check_writable, write_json_atomic};
use skinny::shapes::{self, ShapeSet};

use crate::dispatch_cmd::read_table;
use crate::probe_cmd::dispatcher_report;
use crate::{tables, DecodeArgs, EXIT_STRICT};

fn load_models(args: &DecodeArgs) -> Result<Vec<ShapeSet>> {
    let mut sets = Vec::new();
    for spec in &args.model {
        sets.push(shapes::load_set(spec).map_err(|e| anyhow!("--model {spec}: {e}"))?);
    }
    for path in &args.model_config {
        sets.push(
            model_config::load(path)
                .map_err(|e| anyhow!("--model-config {}: {e}", path.display()))?,
        );
    }
    if sets.is_empty() {
        bail!(
            "name a model: --model qwen2.5-0.5b, --model llama-3-8b, or --model-config config.json"
        );
    }
    if let Some(dtype) = args.dtype {
        let dtype = Dtype::from(dtype);
        for set in &mut sets {
            for shape in &mut set.shapes {
                shape.problem = shape.problem.with_dtype(dtype);
            }
        }
    }
    Ok(sets)
}

fn print_outcome(outcome: &DecodeOutcome) {
    let chain = &outcome.chain;
    println!(
        "\n{} at m = {}: {} layers, {} products, {:.3} GB of weights; floor {:.1} µs at {:.0} GB/s",
        chain.model,
        chain.m,
        chain.layers,
        chain.steps.len(),
        outcome.weight_bytes as f64 / 1e9,
        outcome.floor_us,
        outcome.read_gbps
    );
    let mut choices = tables::table(&[
        "product",
        "problem",
        "dispatched",
        "alone vs cuBLAS",
        "under PDL",
        "PDL build alone vs cuBLAS",
    ]);
    let check = |c: &skinny::decode::StepChoice| {
        format!(
            "{} (rel. err {:.1e})",
            if c.check.passed { "pass" } else { "FAIL" },
            c.check.rel_frobenius
        )
    };
    for (i, c) in outcome.choices.iter().enumerate() {
        let pdl = outcome.pdl_choices.get(i);
        choices.add_row([
            c.role.clone(),
            c.problem.to_string(),
            c.variant.clone(),
            check(c),
            pdl.map_or("-".into(), |p| p.variant.clone()),
            pdl.map_or("-".into(), check),
        ]);
    }
    println!("{choices}");
    let mut modes = tables::table(&[
        "mode",
        "µs / token",
        "spread",
        "× floor",
        "% of floor",
        "chain vs cuBLAS eager",
    ]);
    for m in &outcome.modes {
        let check = &m.chain_check;
        modes.add_row([
            m.mode.clone(),
            format!("{:.1}", m.per_token_us.median),
            format!("{:.1} %", 100.0 * m.per_token_us.rel_spread),
            format!("{:.2}", m.times_floor),
            format!("{:.1}", m.pct_of_floor),
            format!(
                "{} (worst {:.1e} at step {}, bound {:.1e})",
                if check.passed { "pass" } else { "FAIL" },
                check.worst_error,
                check.worst_step,
                check.bound
            ),
        ]);
    }
    println!("{modes}");
    if let Some(read) = &outcome.read_chain_us {
        println!(
            "read chain (each product's weights read by one read kernel, no arithmetic, in a \
             graph): {:.1} µs, {:.2}× the floor",
            read.median,
            read.median / outcome.floor_us
        );
    }
    let median = |name: &str| {
        outcome
            .modes
            .iter()
            .find(|m| m.mode == name)
            .map(|m| m.per_token_us.median)
    };
    if let (Some(ce), Some(cg)) = (median("cublas-eager"), median("cublas-graph")) {
        for mode in ["skinny-graph", "skinny-graph-pdl", "skinny-persistent"] {
            if let Some(s) = median(mode) {
                println!(
                    "{mode}: {:.2}× faster than cublas-eager, {:.2}× faster than cublas-graph",
                    ce / s,
                    cg / s
                );
            }
        }
    }
    if let Some(trace) = &outcome.persistent_trace {
        print_trace(trace);
    }
}

/// The persistent kernel's trace, per role: the mean over the chain's products of that role.
fn print_trace(trace: &[ProductTrace]) {
    let mut roles: Vec<&str> = Vec::new();
    for t in trace {
        if !roles.contains(&t.role.as_str()) {
            roles.push(&t.role);
        }
    }
    let mut table = tables::table(&[
        "persistent, µs",
        "products",
        "span",
        "x staged after",
        "stage x",
        "rows (mean)",
        "rows (slowest)",
        "first stage",
        "stage waits",
        "last unit (start, length)",
        "copies lead (first, last)",
    ]);
    for role in roles {
        let of_role: Vec<&ProductTrace> = trace.iter().filter(|t| t.role == role).collect();
        let mean = |f: fn(&ProductTrace) -> f64| {
            of_role.iter().map(|t| f(t)).sum::<f64>() / of_role.len() as f64
        };
        table.add_row([
            role.to_string(),
            of_role.len().to_string(),
            format!("{:.2}", mean(|t| t.span_us)),
            format!("{:.2}", mean(|t| t.staged_after_us)),
            format!("{:.2}", mean(|t| t.stage_x_us)),
            format!("{:.2}", mean(|t| t.rows_us)),
            format!("{:.2}", mean(|t| t.rows_max_us)),
            format!("{:.2}", mean(|t| t.first_stage_us)),
            format!("{:.2}", mean(|t| t.stage_waits_us)),
            format!(
                "{:.2}, {:.2}",
                mean(|t| t.last_unit_start_us),
                mean(|t| t.last_unit_us)
            ),
            format!(
                "{:.2}, {:.2}",
                mean(|t| t.producer_lead_us),
                mean(|t| t.last_copy_lead_us)
            ),
        ]);
    }
    println!("{table}");
}

/// Search every chain (`--tune-chain`), each from the picks of those before where they share a
/// problem. A chain whose search fails is recorded in `failures` and left to the table's
/// choices; the table is rewritten after every chain searched, so a later failure loses none.
fn tune_chains(
    args: &DecodeArgs,
    dispatcher: &mut Dispatcher,
    chains: &[Chain],
    seed: u64,
    failures: &mut Vec<DecodeFailure>,
) -> Result<Vec<Option<ChainTuning>>> {
    let mut table = match dispatcher.table_status() {
        TableStatus::Used => dispatcher.table().cloned(),
        TableStatus::NoTable => {
            eprintln!(
                "--tune-chain without a table: the search starts from cuBLAS, and the table it \
                 writes holds only the chain's picks (other plans fall back to cuBLAS)"
            );
            None
        }
        TableStatus::Refused(why) => bail!("--tune-chain: the dispatch table was refused: {why}"),
    }
    .unwrap_or_else(|| DispatchTable::empty(dispatcher.validators().clone(), Metric::GraphPdl));
    let mut settings = ChainTuneSettings::new(seed);
    if !args.chain_variants.is_empty() {
        settings.variants = Some(args.chain_variants.clone());
    }
    let mut tunings = Vec::new();
    for chain in chains {
        let searched = tune_chain(dispatcher, chain, &settings, |what| {
            eprintln!("{} m = {}: {what}", chain.model, chain.m)
        });
        let tuning = match searched {
            Ok(tuning) => tuning,
            Err(error) => {
                eprintln!(
                    "error: {} m = {}: chain search: {error}; its PDL modes run the table's \
                     choices",
                    chain.model, chain.m
                );
                failures.push(DecodeFailure::of(chain, "chain search", error));
                tunings.push(None);
                continue;
            }
        };
        print_tuning(&chain.model, &tuning);
        for (problem, pick) in tuning.table_picks(&chain.model) {
            table.set_chain_pick(&problem, pick);
        }
        let source = format!("skinny decode --tune-chain ({})", chain.model);
        if !table.sources.contains(&source) {
            table.sources.push(source);
        }
        // The next chain searches from these picks where it shares a problem.
        dispatcher.replace_table(table.clone());
        write_json_atomic(&args.write_table, &table).map_err(|e| anyhow!(e))?;
        println!(
            "dispatch table with {}'s chain picks written to {}",
            chain.model,
            args.write_table.display()
        );
        tunings.push(Some(tuning));
    }
    Ok(tunings)
}

fn print_tuning(model: &str, tuning: &ChainTuning) {
    println!(
        "\n{model}: chain search under PDL in a graph, {} chains timed in {} pass{}, {} joint change{} of neighbours kept",
        tuning.evaluations,
        tuning.passes,
        if tuning.passes == 1 { "" } else { "es" },
        tuning.joint_moves,
        if tuning.joint_moves == 1 { "" } else { "s" }
    );
    let mut picks = tables::table(&[
        "problem",
        "start",
        "pick",
        "candidates",
        "tried, µs / token",
    ]);
    for p in &tuning.picks {
        let mut tried: Vec<(&String, &f64)> = p.tried.iter().collect();
        tried.sort_by(|a, b| a.1.total_cmp(b.1));
        let best: Vec<String> = tried
            .iter()
            .take(4)
            .map(|(v, us)| format!("{v} {us:.1}"))
            .collect();
        picks.add_row([
            p.problem.to_string(),
            p.start.clone(),
            p.pick.clone(),
            p.candidates.to_string(),
            best.join(", "),
        ]);
    }
    println!("{picks}");
    for f in &tuning.failures {
        println!("  not timed: {f}");
    }
    println!(
        "closing comparison: start {:.1} µs, picks {:.1} µs a token: {}",
        tuning.start_us,
        tuning.tuned_us,
        if tuning.kept {
            "picks kept"
        } else {
            "no gain, the table's choices stay"
        }
    );
}

pub fn run(args: &DecodeArgs) -> Result<ExitCode> {
    if args.m == 0 {
        bail!("--m 0: decode at least one token");
    }
    if args.time_cap_ms == 0 {
        bail!("--time-cap-ms 0: the time cap must be at least 1 ms");
    }
    let sets = load_models(args)?;
    let chains: Vec<Chain> = sets
        .iter()
        .map(|set| Chain::from_set(set, args.m).map_err(|e| anyhow!(e)))
        .collect::<Result<_>>()?;
    let table = read_table(args.table.as_deref())?;
    check_writable(&args.json).map_err(|e| anyhow!(e))?;
    if args.tune_chain {
        check_writable(&args.write_table).map_err(|e| anyhow!(e))?;
    }
    let registry = args.registry.load()?;

    let stream = skinny::backend::cuda::new_stream()
        .map_err(|why| anyhow!("skinny decode needs a CUDA device: {why}"))?;
    let mut dispatcher = Dispatcher::new(
        stream,
        DispatchOptions {
            table,
            registry: Some(registry),
            ..Default::default()
        },
    )
    .map_err(|e| anyhow!(e))?;
    match dispatcher.table_status() {
        TableStatus::Used => println!("dispatch table: in use"),
        TableStatus::NoTable => {
            eprintln!("warning: no dispatch table (--table): skinny's modes run cuBLAS")
        }
        TableStatus::Refused(why) => {
            eprintln!("warning: dispatch table refused: {why}; skinny's modes fall back to cuBLAS")
        }
    }

    let rule = StoppingRule {
        time_cap: Duration::from_millis(args.time_cap_ms),
        ..StoppingRule::default()
    };
    let ceilings = dispatcher
        .measure_ceilings(&StoppingRule::default())
        .map_err(|e| anyhow!("measuring the ceilings: {e}"))?;
    let read_gbps = ceilings
        .read_bandwidth
        .as_ref()
        .map(|c| c.gbps)
        .ok_or_else(|| anyhow!("no read bandwidth was measured"))?;
    let settings = DecodeSettings {
        rule,
        seed: ProbeSettings::default().seed,
        persistent: args.persistent,
        persistent_stages: args.persistent_stages,
    };
    // A model that fails (its search or its run) is recorded and the others go on; the result
    // file holds every model that finished and the failures, and the command fails at the end.
    let mut failures = Vec::new();
    let tunings = if args.tune_chain {
        tune_chains(args, &mut dispatcher, &chains, settings.seed, &mut failures)?
    } else {
        vec![None; chains.len()]
    };
    let mut outcomes = Vec::new();
    for (chain, tuning) in chains.iter().zip(tunings) {
        let run = run_decode(&mut dispatcher, chain, read_gbps, &settings, |what| {
            eprintln!("{} m = {}: {what}", chain.model, chain.m)
        });
        match run {
            Ok(mut outcome) => {
                outcome.chain_tuning = tuning;
                print_outcome(&outcome);
                outcomes.push(outcome);
            }
            Err(error) => {
                eprintln!("error: {} m = {}: {error}", chain.model, chain.m);
                failures.push(DecodeFailure::of(chain, "decode", error));
            }
        }
    }
    let failed = outcomes.iter().any(|o| {
        o.choices
            .iter()
            .chain(&o.pdl_choices)
            .any(|c| !c.check.passed)
            || o.modes.iter().any(|m| !m.chain_check.passed)
    });

    let mut report = dispatcher_report(
        &dispatcher,
        "decode",
        ProbeSettings {
            rule,
            ..ProbeSettings::default()
        },
        sets.iter().flat_map(|s| s.shapes.clone()).collect(),
        ProbeOutcome {
            ceilings,
            runs: Vec::new(),
            gaps: Vec::new(),
            skipped_variants: Vec::new(),
            stopped_early: None,
        },
    );
    let unfinished: Vec<String> = failures
        .iter()
        .map(|f| format!("{} m = {} ({})", f.model, f.m, f.stage))
        .collect();
    report.decode = outcomes;
    report.decode_failures = failures;
    write_json_atomic(&args.json, &report).map_err(|e| anyhow!(e))?;
    println!("results written to {}", args.json.display());
    if !unfinished.is_empty() {
        bail!(
            "{} of {} models did not finish: {} (the others are in {})",
            unfinished.len(),
            chains.len(),
            unfinished.join(", "),
            args.json.display()
        );
    }
    if failed {
        eprintln!("error: a chain or product did not match cuBLAS (see the tables above)");
        return Ok(ExitCode::from(EXIT_STRICT));
    }
    Ok(ExitCode::SUCCESS)
}
