//! Terminal tables: the ceilings, one table per shape, then the coverage gaps.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use skinny::backend::{Ceilings, DeviceInfo};
use skinny::measure::Figure;
use skinny::probe::{Disposition, RunRecord};
use skinny::results::ProbeReport;

/// A terminal table with the project's look and `header`.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header.iter().map(|h| Cell::new(*h)));
    t
}

/// A time in µs with three significant figures.
pub fn micros(us: f64) -> String {
    if us >= 100.0 {
        format!("{us:.0}")
    } else if us >= 10.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.2}")
    }
}

pub fn describe_device(device: &DeviceInfo) -> String {
    format!("{} ({})", device.name, describe_details(device))
}

/// A device's details, "key value" pairs joined by commas.
pub fn describe_details(device: &DeviceInfo) -> String {
    device
        .details
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_ceilings(c: &Ceilings) {
    let read = c.read_bandwidth.as_ref().map_or("n/a".to_string(), |r| {
        format!(
            "{:.1} GB/s over {} MiB (spread {:.1} %)",
            r.gbps,
            r.buffer_bytes >> 20,
            100.0 * r.stats.rel_spread
        )
    });
    let stat = |s: &Option<skinny::measure::Stats>| {
        s.as_ref()
            .map_or("n/a".to_string(), |s| format!("{} µs", micros(s.median)))
    };
    println!("ceilings: read bandwidth {read}");
    println!(
        "          empty round trip {}, graph node {}",
        stat(&c.empty_roundtrip_us),
        stat(&c.graph_node_us)
    );
    if c.queued_kernel_us.is_some() || c.queued_grid_us.is_some() {
        println!(
            "          empty kernel queued on a stream {}, with a machine-filling grid {}",
            stat(&c.queued_kernel_us),
            stat(&c.queued_grid_us)
        );
    }
    for r in &c.sized_reads {
        let graph = r.graph_us.as_ref().map_or(String::new(), |g| {
            format!(", {} µs a call in a graph", micros(g.median))
        });
        println!(
            "          cold read of {:.2} MB: {} µs ({:.0} GB/s{graph}; {})",
            r.bytes as f64 / 1e6,
            micros(r.us.median),
            skinny::measure::gbps(r.bytes as f64, r.us.median),
            r.config
        );
    }
}

fn figure_cell(r: &RunRecord, cold: bool) -> String {
    r.timings
        .iter()
        .find(|(f, _)| {
            f.is_cold() == cold
                && matches!(
                    f,
                    Figure::CpuColdUs | Figure::CpuHotUs | Figure::GpuColdUs | Figure::GpuHotUs
                )
        })
        .map_or(String::new(), |(_, s)| {
            let cap = if s.cap_hit { "*" } else { "" };
            format!("{} ±{:.1}%{cap}", micros(s.median), 100.0 * s.rel_spread)
        })
}

fn outcome_cell(r: &RunRecord) -> String {
    match (&r.failure, &r.error) {
        (Some(failure), _) => failure.clone(),
        (None, Some(e)) if e.nan_count > 0 => format!("{} NaN in y", e.nan_count),
        (None, Some(e)) => format!(
            "{:.1e} (worst {:.2} of tol)",
            e.rel_frobenius, e.worst_ratio
        ),
        (None, None) => String::new(),
    }
}

pub fn print_report(report: &ProbeReport) {
    let out = &report.outcome;
    print_ceilings(&out.ceilings);
    let mut printed_any = false;
    for shape in &report.shapes {
        let runs: Vec<&RunRecord> = out.runs.iter().filter(|r| &r.shape == shape).collect();
        if runs.is_empty() {
            continue;
        }
        printed_any = true;
        let p = shape.problem;
        let read_floor = out
            .ceilings
            .sized_read_us(p.weight_bytes())
            .map_or(String::new(), |us| {
                format!("; its weights alone read cold in {} µs", micros(us))
            });
        println!(
            "\n{}  ({:.2} MB moved, {:.2} MFLOP{read_floor})",
            shape.label(),
            p.bytes_moved() as f64 / 1e6,
            p.flops() as f64 / 1e6
        );
        let mut t = table(&[
            "variant",
            "disposition",
            "cold µs",
            "hot µs",
            "GB/s",
            "% roof",
            "rel. error / failure",
        ]);
        for r in runs {
            let num = |v: Option<f64>, digits: usize| {
                v.map_or(String::new(), |v| format!("{v:.digits$}"))
            };
            t.add_row(vec![
                Cell::new(&r.variant),
                Cell::new(r.disposition.name()),
                Cell::new(figure_cell(r, true)).set_alignment(CellAlignment::Right),
                Cell::new(figure_cell(r, false)).set_alignment(CellAlignment::Right),
                Cell::new(num(r.gbps, 1)).set_alignment(CellAlignment::Right),
                Cell::new(num(r.pct_roofline, 1)).set_alignment(CellAlignment::Right),
                Cell::new(outcome_cell(r)),
            ]);
        }
        println!("{t}");
    }
    if !printed_any {
        println!("\nno runs: every (shape, variant) pair is a coverage gap");
    }
    println!("(times are medians with the relative spread; * = the time cap ended sampling before the spread target was met)");

    if !out.gaps.is_empty() {
        println!(
            "\ncoverage gaps ({}): {}",
            out.gaps.len(),
            Disposition::NotSupported.name()
        );
        let mut t = table(&["shape", "variant", "why not"]);
        for g in &out.gaps {
            t.add_row(vec![
                Cell::new(g.shape.label()),
                Cell::new(&g.variant),
                Cell::new(g.reasons.join("; ")),
            ]);
        }
        println!("{t}");
    }
    for s in &out.skipped_variants {
        println!("skipped {}: {}", s.variant, s.reason);
    }
    let count = |d: Disposition| out.runs.iter().filter(|r| r.disposition == d).count();
    println!(
        "\nsummary: {} passed, {} incorrect, {} failed, {} not supported",
        count(Disposition::Passed),
        count(Disposition::Incorrect),
        count(Disposition::Failed),
        out.gaps.len()
    );
}
