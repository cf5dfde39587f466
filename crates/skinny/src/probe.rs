//! The probe: run the plan on a backend, verify every run against the float64 reference, time
//! what passed, and collect runs and gaps into one report.
//!
//! Order per run: fresh random inputs (seeded, recorded), the reference, prepare, one poisoned
//! run compared against the reference, then timing only if it passed (and the probe is not
//! `verify_only`). A failure of one variant is
//! that run's `failed` row and the probe goes on; a fatal one (the backend can run nothing more)
//! stops the remaining runs, and what was measured so far is still reported.

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::{Deserialize, Serialize};

use crate::backend::{Backend, Ceilings, RunError};
use crate::data::ProblemData;
use crate::measure::{StoppingRule, Timings};
use crate::plan::{Decision, Plan};
use crate::reference::{compare, reference, ErrorReport};
use crate::registry::{ParamValue, Variant};
use crate::shapes::Shape;

/// CUTLASS profiler's words for what happened to a (problem, variant) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Passed,
    Incorrect,
    Failed,
    NotSupported,
}

impl Disposition {
    pub fn name(self) -> &'static str {
        match self {
            Disposition::Passed => "passed",
            Disposition::Incorrect => "incorrect",
            Disposition::Failed => "failed",
            Disposition::NotSupported => "not_supported",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeSettings {
    pub rule: StoppingRule,
    /// Base seed; each run's own seed is derived from it and recorded with the run.
    pub seed: u64,
    /// Verify every run and time nothing, ceilings included: what a run under
    /// compute-sanitizer needs, where timing is meaningless and slow.
    #[serde(default)]
    pub verify_only: bool,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            rule: StoppingRule::default(),
            seed: 0x005E_ED0F_5C1D,
            verify_only: false,
        }
    }
}

/// One (shape, variant) that was attempted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub shape: Shape,
    pub variant: String,
    pub kernel: String,
    pub params: std::collections::BTreeMap<String, ParamValue>,
    pub disposition: Disposition,
    pub seed: u64,
    /// The comparison with the reference (absent when the run failed before producing y).
    pub error: Option<ErrorReport>,
    /// What went wrong, for `failed` runs.
    pub failure: Option<String>,
    pub bytes_moved: u64,
    pub flops: u64,
    /// Only for passed runs.
    pub timings: Timings,
    /// Bytes moved over the cold median, GB/s.
    pub gbps: Option<f64>,
    /// `gbps` over the measured read bandwidth, percent.
    pub pct_roofline: Option<f64>,
}

/// One (shape, variant) the plan did not run, with the reasons.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GapRecord {
    pub shape: Shape,
    pub variant: String,
    pub disposition: Disposition,
    pub reasons: Vec<String>,
}

/// A selected variant that belongs to another backend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkippedVariant {
    pub variant: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeOutcome {
    pub ceilings: Ceilings,
    pub runs: Vec<RunRecord>,
    pub gaps: Vec<GapRecord>,
    pub skipped_variants: Vec<SkippedVariant>,
    /// Set when a fatal error ended the runs early.
    pub stopped_early: Option<String>,
}

/// Hooks for progress display; the probe itself prints nothing.
pub trait ProbeObserver {
    fn ceilings_started(&mut self) {}
    fn runs_planned(&mut self, _runs: usize) {}
    fn run_started(&mut self, _shape: &Shape, _variant: &Variant) {}
    fn run_finished(&mut self, _record: &RunRecord) {}
}

/// An observer that observes nothing.
pub struct Quiet;
impl ProbeObserver for Quiet {}

pub fn run_probe(
    backend: &mut dyn Backend,
    shapes: &[Shape],
    variants: &[Variant],
    settings: &ProbeSettings,
    observer: &mut dyn ProbeObserver,
) -> Result<ProbeOutcome, RunError> {
    run_probe_on(backend, shapes, variants, None, settings, observer)
}

/// The probe over chosen (shape, variant) pairs only (an index into `shapes`, a variant id):
/// what `skinny dispatch --measure` runs.
pub fn run_probe_pairs(
    backend: &mut dyn Backend,
    shapes: &[Shape],
    variants: &[Variant],
    pairs: &[(usize, &str)],
    settings: &ProbeSettings,
    observer: &mut dyn ProbeObserver,
) -> Result<ProbeOutcome, RunError> {
    run_probe_on(backend, shapes, variants, Some(pairs), settings, observer)
}

fn run_probe_on(
    backend: &mut dyn Backend,
    shapes: &[Shape],
    variants: &[Variant],
    pairs: Option<&[(usize, &str)]>,
    settings: &ProbeSettings,
    observer: &mut dyn ProbeObserver,
) -> Result<ProbeOutcome, RunError> {
    let kind = backend.kind();
    let (mine, others): (Vec<Variant>, Vec<Variant>) =
        variants.iter().cloned().partition(|v| v.backend == kind);
    let skipped_variants = others
        .into_iter()
        .map(|v| SkippedVariant {
            reason: format!(
                "a {} variant; this probe runs the {kind} backend",
                v.backend
            ),
            variant: v.id,
        })
        .collect();

    let ceilings = if settings.verify_only {
        Ceilings::default()
    } else {
        observer.ceilings_started();
        backend.measure_ceilings(&settings.rule, &weight_sizes(shapes))?
    };
    let read_gbps = ceilings.read_bandwidth.as_ref().map(|c| c.gbps);

    let mut plan = Plan::build(shapes, &mine);
    if let Some(pairs) = pairs {
        // Keep only the pairs asked for.
        plan.items
            .retain(|item| pairs.contains(&(item.shape, mine[item.variant].id.as_str())));
    }
    observer.runs_planned(plan.runs().count());
    let mut runs = Vec::new();
    let mut gaps = Vec::new();
    let mut stopped_early = None;
    for (index, item) in plan.items.iter().enumerate() {
        let (shape, variant) = (&shapes[item.shape], &mine[item.variant]);
        match &item.decision {
            Decision::Gap { reasons } => gaps.push(GapRecord {
                shape: shape.clone(),
                variant: variant.id.clone(),
                disposition: Disposition::NotSupported,
                reasons: reasons.clone(),
            }),
            Decision::Run if stopped_early.is_some() => {}
            Decision::Run => {
                if let Some(why) = backend.cannot_run(variant) {
                    gaps.push(GapRecord {
                        shape: shape.clone(),
                        variant: variant.id.clone(),
                        disposition: Disposition::NotSupported,
                        reasons: vec![why],
                    });
                    continue;
                }
                observer.run_started(shape, variant);
                let seed = run_seed(settings.seed, index as u64);
                let (record, fatal) = run_one(backend, shape, variant, seed, settings, read_gbps);
                observer.run_finished(&record);
                if let Some(message) = fatal {
                    stopped_early = Some(format!(
                        "{kind} backend stopped after {} on {}: {message}",
                        variant.id,
                        shape.label()
                    ));
                }
                runs.push(record);
            }
        }
    }
    Ok(ProbeOutcome {
        ceilings,
        runs,
        gaps,
        skipped_variants,
        stopped_early,
    })
}

/// The distinct weight sizes of `shapes`, for the sized-read ceilings.
fn weight_sizes(shapes: &[Shape]) -> Vec<u64> {
    let sizes: std::collections::BTreeSet<u64> =
        shapes.iter().map(|s| s.problem.weight_bytes()).collect();
    sizes.into_iter().collect()
}

fn run_seed(base: u64, index: u64) -> u64 {
    // SplitMix64 step: neighbouring runs get unrelated seeds.
    let mut z = base.wrapping_add(index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Run `f`, turning a panic into a run error: a kernel's bug must not take the probe down.
fn guarded<T>(f: impl FnOnce() -> Result<T, RunError>) -> Result<T, RunError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(RunError::new(format!("panicked: {what}")))
        }
    }
}

/// One verified, and if correct timed, run. Returns the record and, if the backend reported a
/// fatal error, its message.
fn run_one(
    backend: &mut dyn Backend,
    shape: &Shape,
    variant: &Variant,
    seed: u64,
    settings: &ProbeSettings,
    read_gbps: Option<f64>,
) -> (RunRecord, Option<String>) {
    let problem = shape.problem;
    let mut record = RunRecord {
        shape: shape.clone(),
        variant: variant.id.clone(),
        kernel: variant.kernel.clone(),
        params: variant.params.clone(),
        disposition: Disposition::Failed,
        seed,
        error: None,
        failure: None,
        bytes_moved: problem.bytes_moved(),
        flops: problem.flops(),
        timings: Timings::new(),
        gbps: None,
        pct_roofline: None,
    };
    let data = ProblemData::generate(&problem, seed);
    let expected = reference(&data);

    let result = guarded(|| {
        let mut prepared = backend.prepare(variant, &data)?;
        let y = prepared.run_once()?;
        if y.len() != expected.len() || y.dtype() != problem.dtype() {
            return Err(RunError::new(format!(
                "the backend returned {} {} values, expected {} {}",
                y.len(),
                y.dtype(),
                expected.len(),
                problem.dtype()
            )));
        }
        let report = compare(&y.to_f64(), &expected, problem.n(), problem.dtype());
        let timings = match (report.passed, settings.verify_only) {
            (true, false) => Some(prepared.measure(&settings.rule)?),
            (true, true) => Some(Timings::new()),
            (false, _) => None,
        };
        Ok((report, timings))
    });
    match result {
        Ok((report, Some(timings))) => {
            record.disposition = Disposition::Passed;
            record.error = Some(report);
            let cold = timings
                .iter()
                .find(|(figure, _)| figure.is_cold())
                .map(|(_, stats)| stats.median);
            record.gbps = cold.map(|us| crate::measure::gbps(record.bytes_moved as f64, us));
            record.pct_roofline = record
                .gbps
                .zip(read_gbps)
                .map(|(achieved, ceiling)| 100.0 * achieved / ceiling);
            record.timings = timings;
            (record, None)
        }
        Ok((report, None)) => {
            record.disposition = Disposition::Incorrect;
            record.error = Some(report);
            (record, None)
        }
        Err(e) => {
            record.failure = Some(e.message.clone());
            (record, e.fatal.then_some(e.message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{DeviceInfo, PreparedRun};
    use crate::data::HostTensor;
    use crate::measure::{Figure, Stats};
    use crate::registry::{BackendKind, Registry};
    use crate::shapes::resolve_set;
    use std::time::Duration;

    /// What the fake backend's kernel does wrong.
    #[derive(Clone, Copy, PartialEq)]
    enum Fault {
        None,
        /// Leaves the last column of y untouched (the poison shows through).
        SkipLastColumn,
        /// Adds 1 to one element: the Frobenius norm barely notices.
        OneWrongElement,
        PrepareFails,
        Panics,
        Fatal,
        /// The device cannot run the variant at all (built for another architecture).
        OtherArchitecture,
    }

    struct FakeBackend {
        fault: Fault,
    }

    struct FakeRun {
        fault: Fault,
        data: ProblemData,
    }

    impl Backend for FakeBackend {
        fn kind(&self) -> BackendKind {
            BackendKind::Cpu
        }
        fn device(&self) -> DeviceInfo {
            DeviceInfo {
                backend: BackendKind::Cpu,
                name: "fake".into(),
                details: Default::default(),
            }
        }
        fn measure_ceilings(&mut self, _: &StoppingRule, _: &[u64]) -> Result<Ceilings, RunError> {
            Ok(Ceilings::default())
        }
        fn cannot_run(&self, variant: &Variant) -> Option<String> {
            matches!(self.fault, Fault::OtherArchitecture)
                .then(|| format!("{} is built for another GPU", variant.id))
        }
        fn prepare<'a>(
            &'a mut self,
            _: &Variant,
            data: &ProblemData,
        ) -> Result<Box<dyn PreparedRun + 'a>, RunError> {
            match self.fault {
                Fault::PrepareFails => Err(RunError::new("out of memory")),
                _ => Ok(Box::new(FakeRun {
                    fault: self.fault,
                    data: data.clone(),
                })),
            }
        }
    }

    impl PreparedRun for FakeRun {
        fn run_once(&mut self) -> Result<HostTensor, RunError> {
            let p = self.data.problem;
            // The "kernel": the reference itself, rounded to f32, then the fault.
            let mut y: Vec<f32> = reference(&self.data).iter().map(|&v| v as f32).collect();
            match self.fault {
                Fault::SkipLastColumn => {
                    for i in 0..p.m() {
                        y[i * p.n() + p.n() - 1] = f32::NAN;
                    }
                }
                Fault::OneWrongElement => y[0] += 1.0,
                Fault::Panics => panic!("index out of bounds"),
                Fault::Fatal => {
                    return Err(RunError {
                        message: "illegal address".into(),
                        fatal: true,
                    })
                }
                _ => {}
            }
            Ok(HostTensor::F32(y))
        }
        fn measure(&mut self, _: &StoppingRule) -> Result<Timings, RunError> {
            let mut t = Timings::new();
            t.insert(
                Figure::CpuColdUs,
                Stats::from_samples(vec![2.0, 2.0, 2.0], false),
            );
            Ok(t)
        }
    }

    fn probe(fault: Fault) -> ProbeOutcome {
        probe_with(fault, false)
    }

    fn probe_with(fault: Fault, verify_only: bool) -> ProbeOutcome {
        let shapes: Vec<Shape> = resolve_set("smoke")
            .unwrap()
            .into_iter()
            .filter(|s| s.problem.dtype() == crate::problem::Dtype::Bf16)
            .map(|mut s| {
                // The fake returns f32; make the problems f32 so the dtype check passes.
                s.problem = s.problem.with_dtype(crate::problem::Dtype::F32);
                s
            })
            .collect();
        let variants = Registry::embedded()
            .unwrap()
            .select(&["cpu/naive".into()])
            .unwrap();
        let settings = ProbeSettings {
            rule: StoppingRule {
                time_cap: Duration::from_millis(1),
                ..StoppingRule::default()
            },
            seed: 1,
            verify_only,
        };
        run_probe(
            &mut FakeBackend { fault },
            &shapes,
            &variants,
            &settings,
            &mut Quiet,
        )
        .unwrap()
    }

    #[test]
    fn a_correct_kernel_passes_and_is_timed() {
        let out = probe(Fault::None);
        assert!(!out.runs.is_empty());
        for r in &out.runs {
            assert_eq!(r.disposition, Disposition::Passed, "{}", r.shape.label());
            assert!(r.timings.contains_key(&Figure::CpuColdUs));
        }
    }

    #[test]
    fn verify_only_checks_every_run_and_times_nothing() {
        let out = probe_with(Fault::None, true);
        assert!(!out.runs.is_empty());
        for r in &out.runs {
            assert_eq!(r.disposition, Disposition::Passed, "{}", r.shape.label());
            assert!(r.timings.is_empty() && r.gbps.is_none());
        }
        // A wrong kernel is still caught.
        let out = probe_with(Fault::OneWrongElement, true);
        assert!(out
            .runs
            .iter()
            .all(|r| r.disposition == Disposition::Incorrect));
    }

    #[test]
    fn wrong_results_are_incorrect_and_not_timed() {
        for fault in [Fault::SkipLastColumn, Fault::OneWrongElement] {
            let out = probe(fault);
            for r in &out.runs {
                assert_eq!(r.disposition, Disposition::Incorrect, "{}", r.shape.label());
                assert!(r.timings.is_empty());
            }
        }
    }

    #[test]
    fn errors_and_panics_are_failed_runs_and_the_probe_goes_on() {
        for (fault, text) in [
            (Fault::PrepareFails, "out of memory"),
            (Fault::Panics, "panicked: index out of bounds"),
        ] {
            let out = probe(fault);
            assert!(out.runs.len() > 1);
            for r in &out.runs {
                assert_eq!(r.disposition, Disposition::Failed);
                assert_eq!(r.failure.as_deref(), Some(text));
            }
            assert!(out.stopped_early.is_none());
        }
    }

    #[test]
    fn a_variant_the_device_cannot_build_is_a_gap_not_a_failure() {
        let out = probe(Fault::OtherArchitecture);
        assert!(out.runs.is_empty(), "{} runs", out.runs.len());
        assert!(!out.gaps.is_empty());
        for g in &out.gaps {
            assert_eq!(g.disposition, Disposition::NotSupported);
            assert_eq!(g.reasons, ["cpu/naive is built for another GPU"]);
        }
        assert!(out.stopped_early.is_none());
    }

    #[test]
    fn a_fatal_error_stops_the_runs_and_keeps_what_was_done() {
        let out = probe(Fault::Fatal);
        assert_eq!(out.runs.len(), 1);
        let why = out.stopped_early.unwrap();
        assert!(why.contains("illegal address"), "{why}");
    }

    #[test]
    fn seeds_differ_between_runs() {
        assert_ne!(run_seed(1, 0), run_seed(1, 1));
        assert_ne!(run_seed(1, 0), run_seed(2, 0));
    }
}
