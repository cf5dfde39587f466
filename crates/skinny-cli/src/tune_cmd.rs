//! `skinny tune`: probe (or read probe results) and write a dispatch table.

use anyhow::{anyhow, bail, Result};
use skinny::backend::BackendChoice;
use skinny::dispatch::{DispatchTable, Metric, CUBLAS_GEMM as BASELINE};
use skinny::results::{check_writable, read_reports, write_json_atomic, ProbeReport};

use crate::{probe_cmd, MetricArg, TuneArgs};

pub fn run(args: &TuneArgs) -> Result<()> {
    check_writable(&args.out).map_err(|e| anyhow!(e))?;
    let metric = match args.metric {
        MetricArg::GpuCold => Metric::GpuCold,
        MetricArg::Graph => Metric::Graph,
        MetricArg::Roundtrip => Metric::Roundtrip,
        MetricArg::GraphPdl => Metric::GraphPdl,
    };
    let reports: Vec<(String, ProbeReport)> = if args.from.is_empty() {
        let report = probe_cmd::probe(&args.probe, BackendChoice::Cuda)?;
        vec![(args.probe.json.display().to_string(), report)]
    } else {
        read_reports(&args.from, |p| p.display().to_string()).map_err(|e| anyhow!(e))?
    };
    let table = DispatchTable::from_reports(&reports, metric).map_err(|e| anyhow!(e))?;
    if table.entries.iter().all(|e| e.winner.is_none()) {
        bail!("no run passed in the probe results: nothing to dispatch to");
    }
    println!(
        "\ndispatch table ({} problems, metric {}, {} on {}):",
        table.entries.len(),
        metric.name(),
        table.validators.device,
        table.validators.compute_capability
    );
    for entry in &table.entries {
        let runner_up = entry
            .candidates
            .get(1)
            .and_then(|c| Some(format!("{} {:.2}", c.variant, c.time_us(metric)?)));
        let cublas = entry
            .candidates
            .iter()
            .find(|c| c.variant == BASELINE)
            .and_then(|c| c.time_us(metric));
        println!(
            "  {:<28} {:<22} {:>9} µs   next: {:<30} {BASELINE}: {}",
            entry.key.label(),
            entry.winner.as_deref().unwrap_or("(none passed)"),
            entry.winner_us.map_or("-".into(), |t| format!("{t:.2}")),
            runner_up.unwrap_or_default(),
            cublas.map_or("-".into(), |t| format!("{t:.2} µs")),
        );
    }
    write_json_atomic(&args.out, &table).map_err(|e| anyhow!(e))?;
    println!("dispatch table written to {}", args.out.display());
    Ok(())
}
