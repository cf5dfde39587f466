//! The dispatch table: what `skinny tune` writes and the dispatcher reads.
//!
//! A table is only as good as the system it was measured on, so it carries validators: the
//! device and its compute capability, the driver's CUDA version, NVRTC's version, and a digest of
//! the kernel sources and the registry. A table whose validators differ from the running system
//! is refused with a message naming the first one that differs.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::chain::ChainPick;
use crate::backend::DeviceInfo;
use crate::measure::Figure;
use crate::probe::Disposition;
use crate::problem::{Dtype, Layout, Problem};
use crate::registry::Variant;
use crate::results::ProbeReport;

pub const TABLE_SCHEMA: &str = "skinny.dispatch";
pub const TABLE_SCHEMA_VERSION: u32 = 1;

/// The figure a table ranks candidates by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Weights from HBM, calls back to back (what one layer of a decode step sees).
    #[default]
    GpuCold,
    /// Per call inside a CUDA graph.
    Graph,
    /// One isolated call, host launch to completed synchronise.
    Roundtrip,
    /// Per call inside a CUDA graph with programmatic dependent launch. A candidate without that
    /// figure is ranked by its plain graph figure: right for the vendor calls (no PDL build, so
    /// that is what they cost in such a graph), a stand-in for results from a probe that did
    /// not measure it yet.
    GraphPdl,
}

impl Metric {
    pub fn figure(self) -> Figure {
        match self {
            Metric::GpuCold => Figure::GpuColdUs,
            Metric::Graph => Figure::GraphUs,
            Metric::Roundtrip => Figure::HostRoundtripUs,
            Metric::GraphPdl => Figure::GraphPdlUs,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::GpuCold => "gpu_cold",
            Metric::Graph => "graph",
            Metric::Roundtrip => "roundtrip",
            Metric::GraphPdl => "graph_pdl",
        }
    }
}

/// What ties a table to a system. Compared field by field, in this order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    pub device: String,
    pub compute_capability: String,
    pub driver_cuda_version: String,
    pub nvrtc_version: String,
    /// SHA-256 of the kernel sources and the registry's variants (see [`sources_digest`]).
    pub sources_digest: String,
}

impl Validators {
    /// `None` when `running` matches; otherwise which validator differs, with both values.
    pub fn mismatch(&self, running: &Validators) -> Option<String> {
        let pairs = [
            ("device", &self.device, &running.device),
            (
                "compute capability",
                &self.compute_capability,
                &running.compute_capability,
            ),
            (
                "driver CUDA version",
                &self.driver_cuda_version,
                &running.driver_cuda_version,
            ),
            ("NVRTC version", &self.nvrtc_version, &running.nvrtc_version),
            (
                "kernel sources and registry digest",
                &self.sources_digest,
                &running.sources_digest,
            ),
        ];
        pairs
            .into_iter()
            .find(|(_, table, now)| table != now)
            .map(|(what, table, now)| {
                format!("{what} differs: the table has '{table}', this system has '{now}'")
            })
    }

    /// The validators of the system a probe report was measured on.
    pub fn of_report(report: &ProbeReport) -> Result<Validators, String> {
        let digest = report.sources_digest.clone().ok_or_else(|| {
            "the result file records no sources digest (written by an older skinny); probe again"
                .to_string()
        })?;
        Validators::of_device(&report.environment.device, digest)
            .map_err(|e| format!("the result file's {e}"))
    }

    /// The validators of a CUDA device as the backend describes it, with the sources digest.
    pub fn of_device(device: &DeviceInfo, sources_digest: String) -> Result<Validators, String> {
        let detail = |key: &str| {
            device
                .details
                .get(key)
                .cloned()
                .ok_or_else(|| format!("device has no '{key}' (not a CUDA device?)"))
        };
        Ok(Validators {
            device: device.name.clone(),
            compute_capability: detail("compute_capability")?,
            driver_cuda_version: detail("driver_cuda_version")?,
            nvrtc_version: detail("nvrtc_version")?,
            sources_digest,
        })
    }
}

/// SHA-256 over the kernel sources (name and text, in the given order) and the variants as
/// JSON: a change to either can change which variant wins, so it invalidates a table.
pub fn sources_digest<'a>(
    sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    variants: &[Variant],
) -> String {
    let mut hash = Sha256::new();
    for (name, text) in sources {
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update(text.as_bytes());
        hash.update([0]);
    }
    hash.update(serde_json::to_vec(variants).unwrap_or_default());
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The problem a table entry is for, on the device it was measured on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProblemKey {
    pub device: String,
    pub compute_capability: String,
    pub dtype: Dtype,
    pub layout: Layout,
    /// `none`, `bias` or `axpby` (α and β do not change which kernel wins).
    pub epilogue: String,
    pub m: usize,
    pub n: usize,
    pub k: usize,
}

impl ProblemKey {
    pub fn of(problem: &Problem, validators: &Validators) -> ProblemKey {
        ProblemKey {
            device: validators.device.clone(),
            compute_capability: validators.compute_capability.clone(),
            dtype: problem.dtype(),
            layout: problem.layout(),
            epilogue: problem.epilogue().name().into(),
            m: problem.m(),
            n: problem.n(),
            k: problem.k(),
        }
    }

    pub fn label(&self) -> String {
        format!(
            "{}×{}×{} {} {} {}",
            self.m, self.n, self.k, self.layout, self.dtype, self.epilogue
        )
    }
}

/// One variant's outcome on one problem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub variant: String,
    pub disposition: Disposition,
    /// Median of every figure measured, µs, by figure name.
    pub figures: BTreeMap<String, f64>,
}

impl Candidate {
    /// The candidate's time under `metric`, if it passed and that figure was measured.
    pub fn time_us(&self, metric: Metric) -> Option<f64> {
        let figure = |f: Figure| self.figures.get(f.name()).copied();
        let time = match metric {
            Metric::GraphPdl => figure(Figure::GraphPdlUs).or_else(|| figure(Figure::GraphUs)),
            _ => figure(metric.figure()),
        };
        time.filter(|_| self.disposition == Disposition::Passed)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    pub key: ProblemKey,
    /// The shapes this problem was measured as (`qwen2.5-0.5b/qkv`).
    pub shapes: Vec<String>,
    /// Passed candidates fastest first under the table's metric, then the others.
    pub candidates: Vec<Candidate>,
    /// The fastest passed candidate, if any passed.
    pub winner: Option<String>,
    pub winner_us: Option<f64>,
    /// The variant a model's whole decode chain ran fastest with under programmatic dependent
    /// launch (`skinny decode --tune-chain`); dispatch prefers it to `winner` for PDL plans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_pdl: Option<ChainPick>,
}

impl TableEntry {
    /// An entry for `key` with nothing measured or picked yet.
    fn empty(key: ProblemKey) -> TableEntry {
        TableEntry {
            key,
            shapes: Vec::new(),
            candidates: Vec::new(),
            winner: None,
            winner_us: None,
            chain_pdl: None,
        }
    }

    /// A candidate's time relative to the winner's (1.0 for the winner).
    pub fn relative_time(&self, variant: &str, metric: Metric) -> Option<f64> {
        let best = self.winner_us?;
        self.candidates
            .iter()
            .find(|c| c.variant == variant)?
            .time_us(metric)
            .map(|t| t / best)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DispatchTable {
    pub schema: String,
    pub schema_version: u32,
    pub skinny_version: String,
    /// RFC 3339, UTC.
    pub created: String,
    pub metric: Metric,
    pub validators: Validators,
    /// The probe result files it was built from.
    pub sources: Vec<String>,
    pub entries: Vec<TableEntry>,
}

impl DispatchTable {
    /// Build a table from probe reports of one system. Reports from different systems (their
    /// validators differ) cannot be mixed. A variant measured on the same problem in several
    /// reports keeps the figures of the last; the candidates of all reports are ranked together.
    pub fn from_reports(
        reports: &[(String, ProbeReport)],
        metric: Metric,
    ) -> Result<DispatchTable, String> {
        let Some((first_name, first)) = reports.first() else {
            return Err("no probe results to build a dispatch table from".into());
        };
        let validators = Validators::of_report(first).map_err(|e| format!("{first_name}: {e}"))?;
        let mut entries: BTreeMap<ProblemKey, TableEntry> = BTreeMap::new();
        for (name, report) in reports {
            if report.settings.verify_only {
                // Its runs would enter as candidates without figures, and replace the figures
                // of the same variants from earlier reports.
                return Err(format!(
                    "{name} is a --verify-only probe: it holds no timings to tune from"
                ));
            }
            let theirs = Validators::of_report(report).map_err(|e| format!("{name}: {e}"))?;
            if let Some(why) = validators.mismatch(&theirs) {
                return Err(format!(
                    "{name} was measured on another system than {first_name}: {why}"
                ));
            }
            for run in &report.outcome.runs {
                let key = ProblemKey::of(&run.shape.problem, &validators);
                let entry = entries
                    .entry(key.clone())
                    .or_insert_with(|| TableEntry::empty(key));
                let label = format!("{}/{}", run.shape.set, run.shape.name);
                if !entry.shapes.contains(&label) {
                    entry.shapes.push(label);
                }
                let candidate = Candidate {
                    variant: run.variant.clone(),
                    disposition: run.disposition,
                    figures: run
                        .timings
                        .iter()
                        .map(|(figure, stats)| (figure.name().to_string(), stats.median))
                        .collect(),
                };
                // A variant measured again (a later report, or the same problem under another
                // shape name) keeps its latest figures; the others stay.
                match entry
                    .candidates
                    .iter_mut()
                    .find(|c| c.variant == run.variant)
                {
                    Some(old) => *old = candidate,
                    None => entry.candidates.push(candidate),
                }
            }
        }
        let mut entries: Vec<TableEntry> = entries.into_values().collect();
        for entry in &mut entries {
            rank(entry, metric);
        }
        Ok(DispatchTable {
            sources: reports.iter().map(|(name, _)| name.clone()).collect(),
            entries,
            ..DispatchTable::empty(validators, metric)
        })
    }

    /// A table with no entries for the system `validators` describe, to record picks in.
    pub fn empty(validators: Validators, metric: Metric) -> DispatchTable {
        DispatchTable {
            schema: TABLE_SCHEMA.into(),
            schema_version: TABLE_SCHEMA_VERSION,
            skinny_version: env!("CARGO_PKG_VERSION").into(),
            created: crate::json::now_rfc3339(),
            metric,
            validators,
            sources: Vec::new(),
            entries: Vec::new(),
        }
    }

    pub fn read(path: &Path) -> Result<DispatchTable, String> {
        let text = crate::results::read_text(path)?;
        DispatchTable::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<DispatchTable, String> {
        crate::json::check_header(text, "dispatch table", TABLE_SCHEMA, TABLE_SCHEMA_VERSION)?;
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The entry for exactly this problem, if the table has one.
    pub fn entry(&self, problem: &Problem) -> Option<&TableEntry> {
        let key = ProblemKey::of(problem, &self.validators);
        self.entries.iter().find(|e| e.key == key)
    }

    /// Record a chain search's pick for `problem` (replacing an earlier one), in a new entry
    /// with no candidates when the table did not hold the problem.
    pub fn set_chain_pick(&mut self, problem: &Problem, pick: ChainPick) {
        let key = ProblemKey::of(problem, &self.validators);
        match self.entries.iter_mut().find(|e| e.key == key) {
            Some(entry) => entry.chain_pdl = Some(pick),
            None => {
                self.entries.push(TableEntry {
                    shapes: vec![format!("{}/chain", pick.model)],
                    chain_pdl: Some(pick),
                    ..TableEntry::empty(key)
                });
            }
        }
    }
}

/// Sort the candidates fastest first under `metric` (unranked ones after, in their order) and
/// record the winner.
fn rank(entry: &mut TableEntry, metric: Metric) {
    entry
        .candidates
        .sort_by(|a, b| match (a.time_us(metric), b.time_us(metric)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
    let best = entry
        .candidates
        .first()
        .and_then(|c| Some((c, c.time_us(metric)?)));
    entry.winner = best.map(|(c, _)| c.variant.clone());
    entry.winner_us = best.map(|(_, t)| t);
}
