//! `skinny dispatch`: which variant dispatch picks per shape and why (`--pdl`: for plans made
//! with programmatic dependent launch, where a table's chain picks come first), and with
//! `--measure` its time beside the vendor baseline in the same run.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use skinny::backend::cuda::dispatcher::{DispatchOptions, Dispatcher, TableStatus};
use skinny::dispatch::{vendor_baseline, Choice, DispatchCheck, DispatchTable, Metric, Reason};
use skinny::measure::StoppingRule;
use skinny::probe::{run_probe_pairs, Disposition, ProbeSettings};
use skinny::registry::Registry;
use skinny::results::{check_writable, write_json_atomic};

use crate::probe_cmd::{collect_shapes, dispatcher_report};
use crate::progress::ProgressDisplay;
use crate::DispatchArgs;

/// The bar: dispatch is at most this much slower than the vendor baseline.
const MOST_SLOWER: f64 = 1.05;

fn describe(reason: &Reason) -> String {
    match reason {
        Reason::Tuned { time_us } => format!("tuned ({time_us:.2} µs)"),
        Reason::Nearest {
            neighbours,
            mean_relative,
        } => format!(
            "rule: {mean_relative:.2}× the winners of {}",
            neighbours.join("; ")
        ),
        Reason::Fallback { why } => format!("fallback: {why}"),
        Reason::Chain { model, chain_us } => {
            format!("{model}'s chain under PDL ({chain_us:.1} µs a token)")
        }
    }
}

/// The dispatch table at `path`, if one was named.
pub fn read_table(path: Option<&std::path::Path>) -> Result<Option<DispatchTable>> {
    path.map(DispatchTable::read)
        .transpose()
        .map_err(|e| anyhow!(e))
}

pub fn run(args: &DispatchArgs) -> Result<ExitCode> {
    let registry = Registry::embedded()?;
    let shapes = collect_shapes(&args.shapes)?;
    let table = read_table(args.table.as_deref())?;
    if args.measure {
        check_writable(&args.json).map_err(|e| anyhow!(e))?;
    }
    let stream = skinny::backend::cuda::new_stream().map_err(|why| {
        anyhow!(
            "skinny dispatch needs a CUDA device (the table's validators are checked against it): {why}"
        )
    })?;
    let metric = table.as_ref().map_or(Metric::GpuCold, |t| t.metric);
    let mut dispatcher = Dispatcher::new(
        stream,
        DispatchOptions {
            table,
            registry: Some(registry.clone()),
            ..Default::default()
        },
    )
    .map_err(|e| anyhow!(e))?;
    if let (TableStatus::Refused(why), Some(path)) = (dispatcher.table_status(), &args.table) {
        eprintln!(
            "warning: dispatch table {} refused: {why}; dispatch falls back to cuBLAS",
            path.display()
        );
    }

    // Chain picks are PDL plans' first choice; --measure times the plain plans, so it refuses
    // --pdl (clap) rather than time something other than what it shows.
    dispatcher.set_pdl(args.pdl);
    let mut choices: Vec<Choice> = Vec::with_capacity(shapes.len());
    for shape in &shapes {
        let choice = dispatcher.choose(&shape.problem).map_err(|e| anyhow!(e))?;
        println!(
            "{:<44} {:<22} {}",
            shape.label(),
            choice.variant,
            describe(&choice.reason)
        );
        choices.push(choice);
    }
    if !args.measure {
        return Ok(ExitCode::SUCCESS);
    }

    let mut pairs = Vec::new();
    for (s, (shape, choice)) in shapes.iter().zip(&choices).enumerate() {
        for id in [choice.variant.as_str(), vendor_baseline(&shape.problem)] {
            if registry.get(id).is_none() {
                bail!("the registry has no variant '{id}'");
            }
            pairs.push((s, id));
        }
    }
    let settings = ProbeSettings {
        rule: StoppingRule {
            time_cap: Duration::from_millis(args.time_cap_ms.max(1)),
            ..StoppingRule::default()
        },
        ..ProbeSettings::default()
    };
    let mut display = ProgressDisplay::new();
    let outcome = run_probe_pairs(
        dispatcher.probe_backend(),
        &shapes,
        &registry.variants,
        &pairs,
        &settings,
        &mut display,
    )
    .map_err(|e| anyhow!("measuring the ceilings: {e}"))?;
    display.finish();

    let figure = metric.figure();
    let time = |s: usize, id: &str| {
        outcome
            .runs
            .iter()
            .find(|r| r.shape == shapes[s] && r.variant == id)
            .filter(|r| r.disposition == Disposition::Passed)
            .and_then(|r| r.timings.get(&figure))
            .map(|stats| stats.median)
    };
    let mut checks = Vec::new();
    let mut slower = 0;
    println!(
        "\n{:<44} {:<22} {:>10} {:>18} {:>7}",
        "shape",
        "dispatched",
        figure.name(),
        "baseline",
        "ratio"
    );
    for (s, (shape, choice)) in shapes.iter().zip(&choices).enumerate() {
        let base_id = vendor_baseline(&shape.problem);
        let (dispatched_us, cublas_us) = (time(s, &choice.variant), time(s, base_id));
        let ratio = dispatched_us.zip(cublas_us).map(|(d, c)| d / c);
        if ratio.is_none_or(|r| r > MOST_SLOWER) {
            slower += 1;
        }
        println!(
            "{:<44} {:<22} {:>10} {:>18} {:>7}",
            shape.label(),
            choice.variant,
            dispatched_us.map_or("-".into(), |t| format!("{t:.2}")),
            cublas_us.map_or("-".into(), |t| format!("{base_id} {t:.2}")),
            ratio.map_or("-".into(), |r| format!("{r:.3}")),
        );
        checks.push(DispatchCheck {
            shape: shape.clone(),
            choice: choice.clone(),
            figure: figure.name().into(),
            dispatched_us,
            cublas_us,
            ratio,
        });
    }
    println!(
        "{} of {} shapes within {MOST_SLOWER}× of the baseline or faster",
        shapes.len() - slower,
        shapes.len()
    );
    let mut report = dispatcher_report(&dispatcher, "dispatch", settings, shapes, outcome);
    report.dispatch = Some(checks);
    write_json_atomic(&args.json, &report).map_err(|e| anyhow!(e))?;
    println!("results written to {}", args.json.display());
    Ok(ExitCode::SUCCESS)
}
