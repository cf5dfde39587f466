//! What a report shows, gathered once from the result files so that the HTML and the Markdown
//! pages say the same thing.

use std::collections::BTreeMap;

use skinny::decode::DecodeOutcome;
use skinny::dispatch::DispatchCheck;
use skinny::measure::Figure;
use skinny::probe::Disposition;
use skinny::results::ProbeReport;
use skinny::shapes::Shape;

/// The figures shown side by side, in this order (GPU first; a CPU file has the first two).
pub const FIGURES: [Figure; 8] = [
    Figure::GpuColdUs,
    Figure::GpuHotUs,
    Figure::HostRoundtripUs,
    Figure::HostSubmitUs,
    Figure::GraphUs,
    Figure::GraphPdlUs,
    Figure::CpuColdUs,
    Figure::CpuHotUs,
];

/// The baseline every speed-up is quoted against.
pub const BASELINE: &str = skinny::dispatch::CUBLAS_GEMM;

pub struct SourceInfo {
    pub file: String,
    pub created: String,
    pub backend: String,
    pub device: String,
    pub details: String,
    pub read_gbps: Option<f64>,
    pub empty_roundtrip_us: Option<f64>,
    pub graph_node_us: Option<f64>,
}

pub struct VariantRow {
    pub variant: String,
    /// Index into `Summary::sources`.
    pub source: usize,
    pub disposition: Disposition,
    pub failure: Option<String>,
    /// Median of each figure, µs.
    pub figures: BTreeMap<Figure, f64>,
    /// The cold figure (GPU or CPU), µs.
    pub cold_us: Option<f64>,
    pub gbps: Option<f64>,
    pub pct_roofline: Option<f64>,
}

pub struct ShapeSummary {
    pub shape: Shape,
    /// The device its runs were measured on: shapes are ranked per device.
    pub device: String,
    pub label: String,
    pub bytes_moved: u64,
    /// Fastest passed first, then the rest.
    pub rows: Vec<VariantRow>,
    /// The read bandwidth of the file the fastest run came from, GB/s.
    pub read_gbps: Option<f64>,
}

impl ShapeSummary {
    pub fn best(&self) -> Option<&VariantRow> {
        self.rows.first().filter(|r| r.cold_us.is_some())
    }

    /// `cublas/gemm`, or where it cannot run the shape (a bias), the fastest vendor call
    /// (cuBLASLt's bias epilogue, or GEMM then a bias kernel).
    pub fn baseline(&self) -> Option<&VariantRow> {
        let passed = |r: &&VariantRow| r.cold_us.is_some();
        self.rows
            .iter()
            .filter(passed)
            .find(|r| r.variant == BASELINE)
            .or_else(|| {
                self.rows
                    .iter()
                    .filter(passed)
                    .find(|r| r.variant.starts_with("cublas"))
            })
    }

    /// Baseline time over the best time.
    pub fn speedup(&self) -> Option<f64> {
        Some(self.baseline()?.cold_us? / self.best()?.cold_us?)
    }
}

pub struct GapRow {
    pub shape: String,
    pub variant: String,
    pub reasons: String,
}

pub struct Summary {
    pub sources: Vec<SourceInfo>,
    pub shapes: Vec<ShapeSummary>,
    pub gaps: Vec<GapRow>,
    pub decode: Vec<DecodeOutcome>,
    pub dispatch: Vec<DispatchCheck>,
}

fn median(stats: &Option<skinny::measure::Stats>) -> Option<f64> {
    stats.as_ref().map(|s| s.median)
}

impl Summary {
    pub fn gather(files: &[(String, ProbeReport)]) -> Summary {
        let mut sources = Vec::new();
        let mut shapes: Vec<ShapeSummary> = Vec::new();
        let mut gaps = Vec::new();
        let mut decode = Vec::new();
        let mut dispatch = Vec::new();
        for (index, (file, report)) in files.iter().enumerate() {
            let device = &report.environment.device;
            let c = &report.outcome.ceilings;
            let read_gbps = c.read_bandwidth.as_ref().map(|r| r.gbps);
            sources.push(SourceInfo {
                file: file.clone(),
                created: report.created.clone(),
                backend: report.backend.kind.to_string(),
                device: device.name.clone(),
                details: crate::tables::describe_details(device),
                read_gbps,
                empty_roundtrip_us: median(&c.empty_roundtrip_us),
                graph_node_us: median(&c.graph_node_us),
            });
            for run in &report.outcome.runs {
                let at = match shapes
                    .iter()
                    .position(|s| s.shape == run.shape && s.device == device.name)
                {
                    Some(at) => at,
                    None => {
                        shapes.push(ShapeSummary {
                            label: run.shape.label(),
                            shape: run.shape.clone(),
                            device: device.name.clone(),
                            // From the problem, not the file: the chart's log scale needs it > 0.
                            bytes_moved: run.shape.problem.bytes_moved(),
                            rows: Vec::new(),
                            read_gbps,
                        });
                        shapes.len() - 1
                    }
                };
                let figures: BTreeMap<Figure, f64> =
                    run.timings.iter().map(|(f, s)| (*f, s.median)).collect();
                let cold_us = figures
                    .iter()
                    .find(|(f, _)| f.is_cold())
                    .map(|(_, v)| *v)
                    .filter(|_| run.disposition == Disposition::Passed);
                shapes[at].rows.push(VariantRow {
                    variant: run.variant.clone(),
                    source: index,
                    disposition: run.disposition,
                    failure: run.failure.clone(),
                    figures,
                    cold_us,
                    gbps: run.gbps,
                    pct_roofline: run.pct_roofline,
                });
            }
            for gap in &report.outcome.gaps {
                gaps.push(GapRow {
                    shape: gap.shape.label(),
                    variant: gap.variant.clone(),
                    reasons: gap.reasons.join("; "),
                });
            }
            decode.extend(report.decode.iter().cloned());
            dispatch.extend(report.dispatch.iter().flatten().cloned());
        }
        // Percentages against the best read ceiling measured on the same device by any file:
        // a peer script's own ceiling (PyTorch's reduction) reads lower than skinny's kernel.
        let ceiling = |source: usize| {
            let device = &sources[source].device;
            sources
                .iter()
                .filter(|s| &s.device == device)
                .filter_map(|s| s.read_gbps)
                .fold(None, |best: Option<f64>, v| {
                    Some(best.map_or(v, |b| b.max(v)))
                })
        };
        for shape in &mut shapes {
            for row in &mut shape.rows {
                if let (Some(gbps), Some(read)) = (row.gbps, ceiling(row.source)) {
                    row.pct_roofline = Some(100.0 * gbps / read);
                }
            }
            shape.rows.sort_by(|a, b| match (a.cold_us, b.cold_us) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => a.variant.cmp(&b.variant),
            });
            if let Some(best) = shape.best() {
                shape.read_gbps = ceiling(best.source);
            }
        }
        // With more than one device, every label says which.
        let devices: std::collections::BTreeSet<&str> =
            shapes.iter().map(|s| s.device.as_str()).collect();
        if devices.len() > 1 {
            for shape in &mut shapes {
                shape.label = format!("{} on {}", shape.label, shape.device);
            }
        }
        Summary {
            sources,
            shapes,
            gaps,
            decode,
            dispatch,
        }
    }
}
