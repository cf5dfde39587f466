//! Regression comparison of two result files: per (shape, variant) the ratio of medians, flagged
//! only when the two runs' interquartile ranges do not overlap (the change is larger than what
//! either run measured as noise) and the change passes a threshold. The threshold is needed as
//! well: two runs of one build on the H200 (2026-11-21) drifted 0.5–1 % apart on a third of the
//! pairs, beyond spreads of 0.1–0.5 % that each run measured.

use serde::Serialize;

use crate::measure::{Figure, Stats};
use crate::probe::Disposition;
use crate::results::ProbeReport;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Within either run's spread, or within the threshold.
    Same,
    /// Faster beyond both runs' spread and past the threshold.
    Faster,
    /// Slower beyond both runs' spread and past the threshold: a regression.
    Regression,
}

#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub shape: String,
    pub variant: String,
    pub base_us: f64,
    pub new_us: f64,
    /// new / base.
    pub ratio: f64,
    pub verdict: Verdict,
}

#[derive(Clone, Debug, Serialize)]
pub struct CompareOutcome {
    pub figure: Figure,
    pub threshold: f64,
    pub compared: Vec<Comparison>,
    /// (shape, variant) passed in one file only.
    pub only_base: Vec<String>,
    pub only_new: Vec<String>,
    /// Passed in BASE, ran in NEW and did not pass there (incorrect or failed): a regression
    /// of correctness, whatever the times.
    pub broken: Vec<String>,
    /// A median of zero or less, or not finite, in either file: nothing to compare.
    pub incomparable: Vec<String>,
}

impl CompareOutcome {
    /// Slower past the threshold, or no longer passing.
    pub fn regressions(&self) -> usize {
        self.compared
            .iter()
            .filter(|c| c.verdict == Verdict::Regression)
            .count()
            + self.broken.len()
    }
}

/// How two samples of one figure relate.
pub fn judge(base: &Stats, new: &Stats, threshold: f64) -> Verdict {
    let ratio = new.median / base.median;
    if new.p25 > base.p75 && ratio > 1.0 + threshold {
        Verdict::Regression
    } else if new.p75 < base.p25 && ratio < 1.0 / (1.0 + threshold) {
        Verdict::Faster
    } else {
        Verdict::Same
    }
}

/// Compare every (shape, variant) that passed in both files on `figure` (each file's cold
/// figure when `None`).
pub fn compare<'a>(
    base: &'a ProbeReport,
    new: &'a ProbeReport,
    figure: Option<Figure>,
    threshold: f64,
) -> CompareOutcome {
    let pick = |r: &'a crate::probe::RunRecord| -> Option<(Figure, &'a Stats)> {
        if r.disposition != Disposition::Passed {
            return None;
        }
        r.timings
            .iter()
            .find(|(f, _)| figure.map_or(f.is_cold(), |want| **f == want))
            .map(|(f, s)| (*f, s))
    };
    let key = |r: &crate::probe::RunRecord| format!("{} {}", r.shape.label(), r.variant);
    let mut compared = Vec::new();
    let mut only_base = Vec::new();
    let mut broken = Vec::new();
    let mut incomparable = Vec::new();
    let mut used_figure = figure.unwrap_or(Figure::GpuColdUs);
    // The base pairs that passed: each compared once, and not "only new".
    let mut seen: Vec<(&crate::shapes::Shape, &str)> = Vec::new();
    for b in &base.outcome.runs {
        let Some((f, bs)) = pick(b) else { continue };
        if seen.contains(&(&b.shape, b.variant.as_str())) {
            continue;
        }
        seen.push((&b.shape, b.variant.as_str()));
        used_figure = f;
        let partner_run = new
            .outcome
            .runs
            .iter()
            .find(|n| n.shape == b.shape && n.variant == b.variant);
        let partner = partner_run.and_then(|n| pick(n).filter(|(nf, _)| *nf == f));
        match (partner_run, partner) {
            (_, Some((_, ns))) => {
                let usable = |s: &Stats| s.median.is_finite() && s.median > 0.0;
                if !usable(bs) || !usable(ns) {
                    incomparable.push(key(b));
                    continue;
                }
                compared.push(Comparison {
                    shape: b.shape.label(),
                    variant: b.variant.clone(),
                    base_us: bs.median,
                    new_us: ns.median,
                    ratio: ns.median / bs.median,
                    verdict: judge(bs, ns, threshold),
                })
            }
            (Some(n), None) if n.disposition != Disposition::Passed => {
                broken.push(format!("{} ({})", key(b), n.disposition.name()))
            }
            _ => only_base.push(key(b)),
        }
    }
    let only_new = new
        .outcome
        .runs
        .iter()
        .filter(|n| pick(n).is_some_and(|(f, _)| f == used_figure))
        .filter(|n| !seen.contains(&(&n.shape, n.variant.as_str())))
        .map(key)
        .collect();
    CompareOutcome {
        figure: used_figure,
        threshold,
        compared,
        only_base,
        only_new,
        broken,
        incomparable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(values: &[f64]) -> Stats {
        Stats::from_samples(values.to_vec(), false)
    }

    #[test]
    fn a_planted_slowdown_is_a_regression_and_noise_is_not() {
        let base = stats(&[10.0, 10.1, 9.9, 10.05, 9.95, 10.02, 9.98]);
        // Two runs of the same build: overlapping spreads.
        let again = stats(&[10.08, 9.97, 10.12, 10.0, 9.93, 10.04, 10.01]);
        assert_eq!(judge(&base, &again, 0.05), Verdict::Same);
        // 20 % slower.
        let slow: Vec<f64> = [10.0, 10.1, 9.9, 10.05, 9.95, 10.02, 9.98]
            .iter()
            .map(|v| v * 1.2)
            .collect();
        assert_eq!(judge(&base, &stats(&slow), 0.05), Verdict::Regression);
        // 3 % slower beyond the noise but under the threshold.
        let bit: Vec<f64> = [10.0, 10.01, 9.99, 10.0, 10.0]
            .iter()
            .map(|v| v * 1.03)
            .collect();
        let tight = stats(&[10.0, 10.01, 9.99, 10.0, 10.0]);
        assert_eq!(judge(&tight, &stats(&bit), 0.05), Verdict::Same);
        // 20 % faster.
        let fast: Vec<f64> = [10.0, 10.1, 9.9].iter().map(|v| v * 0.8).collect();
        assert_eq!(judge(&base, &stats(&fast), 0.05), Verdict::Faster);
        // A noisy run hides a 10 % change: not flagged.
        let noisy = stats(&[8.0, 12.0, 9.0, 13.0, 10.0, 11.5, 9.5]);
        let noisy_slow: Vec<f64> = [8.0, 12.0, 9.0, 13.0, 10.0, 11.5, 9.5]
            .iter()
            .map(|v| v * 1.1)
            .collect();
        assert_eq!(judge(&noisy, &stats(&noisy_slow), 0.05), Verdict::Same);
    }
}
