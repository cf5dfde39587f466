//! `skinny compare BASE NEW`: ratios of medians per (shape, variant); exit status 4 on a
//! regression, so that it can gate a change.

use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};

use skinny::compare::{compare, Verdict};
use skinny::measure::Figure;
use skinny::results::ProbeReport;

use crate::{tables, CompareArgs, FigureArg};

/// Exit status when a regression is found.
pub const EXIT_REGRESSION: u8 = 4;

pub fn run(args: &CompareArgs) -> Result<ExitCode> {
    if !(args.threshold >= 0.0 && args.threshold < 10.0) {
        bail!(
            "--threshold {}: a fraction such as 0.05 (5 %)",
            args.threshold
        );
    }
    let base = ProbeReport::read(&args.base).map_err(|e| anyhow!(e))?;
    let new = ProbeReport::read(&args.new).map_err(|e| anyhow!(e))?;
    let figure = args.figure.map(|f| match f {
        FigureArg::GpuCold => Figure::GpuColdUs,
        FigureArg::GpuHot => Figure::GpuHotUs,
        FigureArg::Roundtrip => Figure::HostRoundtripUs,
        FigureArg::Submit => Figure::HostSubmitUs,
        FigureArg::Graph => Figure::GraphUs,
        FigureArg::GraphPdl => Figure::GraphPdlUs,
        FigureArg::CpuCold => Figure::CpuColdUs,
        FigureArg::CpuHot => Figure::CpuHotUs,
    });
    for (what, a, b) in [
        (
            "backend",
            base.backend.kind.to_string(),
            new.backend.kind.to_string(),
        ),
        (
            "device",
            base.environment.device.name.clone(),
            new.environment.device.name.clone(),
        ),
    ] {
        if a != b {
            eprintln!("warning: the files were measured on different {what}s ({a} and {b})");
        }
    }
    let outcome = compare(&base, &new, figure, args.threshold);
    if outcome.compared.is_empty() {
        bail!(
            "{} and {} have no passed (shape, variant) in common on {}",
            args.base.display(),
            args.new.display(),
            outcome.figure.name()
        );
    }
    let mut table = tables::table(&[
        "shape",
        "variant",
        "base µs",
        "new µs",
        "new / base",
        "verdict",
    ]);
    let mut flagged = 0;
    for c in &outcome.compared {
        if c.verdict == Verdict::Same && !args.all {
            continue;
        }
        flagged += (c.verdict != Verdict::Same) as usize;
        table.add_row([
            c.shape.clone(),
            c.variant.clone(),
            format!("{:.2}", c.base_us),
            format!("{:.2}", c.new_us),
            format!("{:.3}", c.ratio),
            match c.verdict {
                Verdict::Same => "same".into(),
                Verdict::Faster => format!("faster (past {:.1} %)", 100.0 * args.threshold),
                Verdict::Regression => format!("REGRESSION (past {:.1} %)", 100.0 * args.threshold),
            },
        ]);
    }
    println!(
        "{} pairs compared on {}; {} changed beyond both runs' spread and {:.1} %",
        outcome.compared.len(),
        outcome.figure.name(),
        flagged,
        100.0 * args.threshold
    );
    if table.row_count() > 0 {
        println!("{table}");
    }
    for (what, list) in [
        ("only in base", &outcome.only_base),
        ("only in new", &outcome.only_new),
    ] {
        if !list.is_empty() {
            let shown: Vec<&str> = list.iter().take(5).map(String::as_str).collect();
            let more = list.len().saturating_sub(shown.len());
            println!(
                "{} {what}: {}{}",
                list.len(),
                shown.join(", "),
                if more > 0 {
                    format!(", and {more} more")
                } else {
                    String::new()
                }
            );
        }
    }
    if let Some(why) = &new.outcome.stopped_early {
        eprintln!("error: the new run stopped early: {why}");
        return Ok(ExitCode::from(EXIT_REGRESSION));
    }
    let regressions = outcome.regressions();
    if regressions > 0 {
        eprintln!(
            "error: {regressions} regressions past {:.0} %",
            100.0 * args.threshold
        );
        return Ok(ExitCode::from(EXIT_REGRESSION));
    }
    Ok(ExitCode::SUCCESS)
}
