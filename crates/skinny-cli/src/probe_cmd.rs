//! `skinny probe`: gather shapes and variants, check the output path, run, print, write.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use skinny::backend::{self, BackendChoice};
use skinny::measure::StoppingRule;
use skinny::probe::{run_probe, Disposition, ProbeSettings};
use skinny::problem::{Dtype, Layout};
use skinny::registry::Registry;
use skinny::results::{check_writable, write_json_atomic, Environment, ProbeReport};
use skinny::shapes::{self, Shape};
use skinny::{host::HostInfo, model_config};

use crate::progress::ProgressDisplay;
use crate::{tables, BackendArg, LayoutArg, ProbeArgs, ShapeArgs, EXIT_STRICT};

/// Every shape the arguments name, in order, without repeats.
pub fn collect_shapes(args: &ShapeArgs) -> Result<Vec<Shape>> {
    let mut out = Vec::new();
    let nothing_named =
        args.shapes.is_empty() && args.shape.is_empty() && args.model_config.is_empty();
    let default = [shapes::DEFAULT_SET.to_string()];
    let sets: &[String] = if nothing_named {
        &default
    } else {
        &args.shapes
    };
    for spec in sets {
        out.extend(shapes::resolve_set(spec)?);
    }
    for spec in &args.model_config {
        out.extend(model_config::resolve(spec).map_err(|e| anyhow!("--model-config {spec}: {e}"))?);
    }
    for spec in &args.shape {
        out.push(shapes::parse_shape_arg(spec).map_err(|e| anyhow!(e))?);
    }
    if !args.dtype.is_empty() {
        let mut retyped = Vec::with_capacity(out.len() * args.dtype.len());
        for shape in &out {
            for &dtype in &args.dtype {
                let dtype = Dtype::from(dtype);
                retyped.push(Shape {
                    problem: shape.problem.with_dtype(dtype),
                    ..shape.clone()
                });
            }
        }
        out = retyped;
    }
    if !args.layout.is_empty() {
        out = out
            .iter()
            .flat_map(|shape| {
                args.layout.iter().map(move |layout| Shape {
                    problem: shape.problem.with_layout(match layout {
                        LayoutArg::Nt => Layout::Nt,
                        LayoutArg::Nn => Layout::Nn,
                    }),
                    ..shape.clone()
                })
            })
            .collect();
    }
    Ok(shapes::dedup(out))
}

fn settings(args: &ProbeArgs) -> Result<ProbeSettings> {
    if args.time_cap_ms == 0 {
        bail!("--time-cap-ms 0: the time cap must be at least 1 ms");
    }
    if !(args.spread_target > 0.0 && args.spread_target < 1.0) {
        bail!(
            "--spread-target {}: the spread target must be a fraction between 0 and 1 (0.005 is 0.5 %)",
            args.spread_target
        );
    }
    let mut settings = ProbeSettings {
        rule: StoppingRule {
            time_cap: Duration::from_millis(args.time_cap_ms),
            spread_target: args.spread_target,
            ..StoppingRule::default()
        },
        ..ProbeSettings::default()
    };
    if let Some(seed) = args.seed {
        settings.seed = seed;
    }
    settings.verify_only = args.verify_only;
    Ok(settings)
}

pub fn run(args: &ProbeArgs) -> Result<ExitCode> {
    let report = probe(args, backend_choice(args.backend))?;
    let bad = report
        .outcome
        .runs
        .iter()
        .filter(|r| matches!(r.disposition, Disposition::Incorrect | Disposition::Failed))
        .count();
    if let Some(why) = &report.outcome.stopped_early {
        eprintln!("warning: runs stopped early: {why}");
    }
    if args.strict && (bad > 0 || report.outcome.stopped_early.is_some()) {
        eprintln!("error: {bad} runs were incorrect or failed (--strict)");
        return Ok(ExitCode::from(EXIT_STRICT));
    }
    Ok(ExitCode::SUCCESS)
}

/// The report of a command that ran on `dispatcher` (decode, dispatch --measure): its device,
/// registry and the sources digest it already holds.
pub fn dispatcher_report(
    dispatcher: &skinny::backend::cuda::dispatcher::Dispatcher,
    command: &str,
    settings: ProbeSettings,
    shapes: Vec<Shape>,
    outcome: skinny::probe::ProbeOutcome,
) -> ProbeReport {
    let selection = skinny::backend::BackendSelection {
        kind: skinny::registry::BackendKind::Cuda,
        requested: BackendChoice::Cuda,
        reason: format!("skinny {command} runs on CUDA"),
    };
    new_report(
        selection,
        dispatcher.device(),
        settings,
        dispatcher.registry(),
        shapes,
        outcome,
        dispatcher.validators().sources_digest.clone(),
    )
}

/// A result file's report of an outcome: this host, `device`, `registry`, and `sources_digest`
/// of the kernel sources and the registry (what a dispatch table built from it is tied to).
fn new_report(
    selection: skinny::backend::BackendSelection,
    device: skinny::backend::DeviceInfo,
    settings: ProbeSettings,
    registry: &Registry,
    shapes: Vec<Shape>,
    outcome: skinny::probe::ProbeOutcome,
    sources_digest: String,
) -> ProbeReport {
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
    report.sources_digest = Some(sources_digest);
    report
}

fn backend_choice(arg: BackendArg) -> BackendChoice {
    match arg {
        BackendArg::Auto => BackendChoice::Auto,
        BackendArg::Cpu => BackendChoice::Cpu,
        BackendArg::Cuda => BackendChoice::Cuda,
    }
}

/// Run the probe as the arguments say, on `choice` of backend (tuning passes CUDA: it must not
/// fall back to the CPU), print it and write the result file.
pub fn probe(args: &ProbeArgs, choice: BackendChoice) -> Result<ProbeReport> {
    // Everything that can be wrong with the input is found before any measuring starts.
    let settings = settings(args)?;
    let registry = args.registry.load()?;
    let variants = registry.select(&args.variants).map_err(|e| anyhow!(e))?;
    let shapes = collect_shapes(&args.shapes)?;
    check_writable(&args.json).map_err(|e| anyhow!(e))?;

    let (mut backend, selection) = backend::open(choice).map_err(|e| anyhow!(e))?;
    if !variants.iter().any(|v| v.backend == selection.kind) {
        bail!(
            "none of the selected variants runs on the {} backend (selected: {})",
            selection.kind,
            variants
                .iter()
                .map(|v| v.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!(
        "skinny probe: {} backend ({})",
        selection.kind, selection.reason
    );
    let device = backend.device();
    println!("device: {}", tables::describe_device(&device));
    println!(
        "plan: {} shapes × {} variants from {}{}",
        shapes.len(),
        variants.len(),
        registry.source,
        if settings.verify_only {
            " (--verify-only: every run verified, nothing timed, no ceilings)"
        } else {
            ""
        }
    );

    let mut display = ProgressDisplay::new();
    let outcome = run_probe(
        backend.as_mut(),
        &shapes,
        &variants,
        &settings,
        &mut display,
    )
    .map_err(|e| anyhow!("measuring the {} ceilings: {e}", selection.kind))?;
    display.finish();

    let digest = skinny::backend::cuda::kernel_sources_digest(&registry.variants);
    let report = new_report(
        selection, device, settings, &registry, shapes, outcome, digest,
    );
    tables::print_report(&report);
    write_json_atomic(&args.json, &report).map_err(|e| anyhow!(e))?;
    println!("results written to {}", args.json.display());
    Ok(report)
}
