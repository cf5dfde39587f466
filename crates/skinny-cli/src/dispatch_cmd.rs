//! `skinny dispatch`: which variant dispatch picks per shape and why, and with `--measure` its
//! time beside the vendor baseline in the same run.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, Result};
use skinny::backend::{self, BackendChoice};
use skinny::dispatch::{choose, Choice, DispatchCheck, DispatchTable, Metric, Reason, Validators};
use skinny::measure::StoppingRule;
use skinny::probe::{run_probe_pairs, Disposition, ProbeSettings};
use skinny::problem::Epilogue;
use skinny::registry::Registry;
use skinny::results::{check_writable, write_json_atomic, Environment, ProbeReport};
use skinny::{backend::cuda::kernel_sources_digest, host::HostInfo};

use crate::probe_cmd::collect_shapes;
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
    }
}

pub fn run(args: &DispatchArgs) -> Result<ExitCode> {
    let registry = Registry::embedded()?;
    let shapes = collect_shapes(&args.shapes)?;
    let table = args
        .table
        .as_deref()
        .map(DispatchTable::read)
        .transpose()
        .map_err(|e| anyhow!(e))?;
    if args.measure {
        check_writable(&args.json).map_err(|e| anyhow!(e))?;
    }
    if let Some(why) = skinny::backend::cuda::unavailable() {
        anyhow::bail!("skinny dispatch needs a CUDA device (the table's validators are checked against it): {why}");
    }
    let (mut backend, selection) = backend::open(BackendChoice::Cuda).map_err(|e| anyhow!(e))?;
    let device = backend.device();
    let running = Validators::of_device(&device, kernel_sources_digest(&registry.variants))
        .map_err(|e| anyhow!(e))?;
    let metric = table.as_ref().map_or(Metric::GpuCold, |t| t.metric);
    let table = match (table, &args.table) {
        (Some(t), Some(path)) => match t.validators.mismatch(&running) {
            None => Some(t),
            Some(why) => {
                eprintln!(
                    "warning: dispatch table {} refused: {why}; dispatch falls back to cuBLAS",
                    path.display()
                );
                None
            }
        },
        _ => None,
    };

    let mut choices: Vec<Choice> = Vec::with_capacity(shapes.len());
    for shape in &shapes {
        let choice = choose(&shape.problem, table.as_ref(), &registry).map_err(|e| anyhow!(e))?;
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

    // The baseline: cuBLAS GEMM, or cuBLASLt with its bias epilogue where GEMM has no bias.
    let baseline = |e: Epilogue| match e {
        Epilogue::Bias => "cublaslt/matmul",
        _ => "cublas/gemm",
    };
    let index = |id: &str| {
        registry
            .variants
            .iter()
            .position(|v| v.id == id)
            .ok_or_else(|| anyhow!("the registry has no variant '{id}'"))
    };
    let mut pairs = Vec::new();
    for (s, (shape, choice)) in shapes.iter().zip(&choices).enumerate() {
        pairs.push((s, index(&choice.variant)?));
        pairs.push((s, index(baseline(shape.problem.epilogue()))?));
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
        backend.as_mut(),
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
        let base_id = baseline(shape.problem.epilogue());
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
    let mut report = ProbeReport::new(
        selection,
        Environment {
            host: HostInfo::detect(),
            device,
        },
        settings,
        registry.source.clone(),
        shapes,
        outcome,
    );
    report.sources_digest = Some(running.sources_digest.clone());
    report.dispatch = Some(checks);
    write_json_atomic(&args.json, &report).map_err(|e| anyhow!(e))?;
    println!("results written to {}", args.json.display());
    Ok(ExitCode::SUCCESS)
}
