//! Sampling with a stopping rule, and the statistics every timing figure reports.
//!
//! The rule follows nvbench: warm up, then take samples until their relative spread is under a
//! target or a time cap is hit, and say which of the two ended it. The spread is the
//! interquartile range over the median: unlike the standard deviation it is not dragged by the
//! one sample the OS interrupted, which on a shared CPU happens in almost every run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use statrs::statistics::{Data, Distribution, Max, Median, Min, OrderStatistics};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoppingRule {
    /// Time spent calling before the first sample counts (caches, clocks, page faults).
    #[serde(with = "seconds")]
    pub warmup: Duration,
    /// Stop once the relative spread is at most this (0.005 = 0.5 %).
    pub spread_target: f64,
    /// Never judge the spread on fewer samples than this.
    pub min_samples: usize,
    pub max_samples: usize,
    /// Stop after this long even if the spread target is not met (recorded as `cap_hit`).
    #[serde(with = "seconds")]
    pub time_cap: Duration,
}

impl Default for StoppingRule {
    fn default() -> Self {
        StoppingRule {
            warmup: Duration::from_millis(30),
            spread_target: 0.005,
            min_samples: 10,
            max_samples: 10_000,
            time_cap: Duration::from_millis(500),
        }
    }
}

/// Durations as a float of seconds in JSON: readable, and no extra dependency.
mod seconds {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
    }
}

/// `bytes` moved in `us` microseconds, in GB/s (10^9 bytes a second).
pub fn gbps(bytes: f64, us: f64) -> f64 {
    bytes / (us * 1e3)
}

/// Summary of one figure's samples (all in the figure's unit, µs for times).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub p25: f64,
    pub p75: f64,
    /// (p75 − p25) / median.
    #[serde(with = "crate::json")]
    pub rel_spread: f64,
    pub samples: usize,
    /// True when the time cap, not the spread target, ended sampling.
    pub cap_hit: bool,
    /// The raw samples. Archived result files may have them stripped
    /// (`bench/tools/strip_samples.py`; the full files stay in git history), so they default to
    /// empty when read.
    #[serde(default)]
    pub values: Vec<f64>,
}

impl Stats {
    /// Statistics of a non-empty set of samples.
    pub fn from_samples(values: Vec<f64>, cap_hit: bool) -> Stats {
        assert!(!values.is_empty(), "statistics of no samples");
        let mut data = Data::new(values.clone());
        let median = data.median();
        let (p25, p75) = (data.percentile(25), data.percentile(75));
        Stats {
            median,
            min: data.min(),
            max: data.max(),
            mean: data.mean().unwrap_or(median),
            p25,
            p75,
            rel_spread: relative_spread(p25, p75, median),
            samples: values.len(),
            cap_hit,
            values,
        }
    }
}

fn relative_spread(p25: f64, p75: f64, median: f64) -> f64 {
    if median > 0.0 {
        (p75 - p25) / median
    } else {
        f64::INFINITY
    }
}

fn spread_of(values: &[f64]) -> f64 {
    let mut data = Data::new(values.to_vec());
    let median = data.median();
    relative_spread(data.percentile(25), data.percentile(75), median)
}

/// Take samples from `take` (each one value, e.g. µs per call) under `rule`.
pub fn sample_until_stable<E>(
    rule: &StoppingRule,
    mut take: impl FnMut() -> Result<f64, E>,
) -> Result<Stats, E> {
    let warm_start = Instant::now();
    loop {
        take()?;
        if warm_start.elapsed() >= rule.warmup {
            break;
        }
    }
    let start = Instant::now();
    let mut values = Vec::new();
    // Judging the spread sorts all samples: do it at geometric intervals, not after each one.
    let mut next_check = rule.min_samples.max(1);
    loop {
        values.push(take()?);
        let n = values.len();
        if n >= rule.max_samples {
            return Ok(Stats::from_samples(values, false));
        }
        if n >= next_check {
            next_check = n + (n / 16).max(1);
            if spread_of(&values) <= rule.spread_target {
                return Ok(Stats::from_samples(values, false));
            }
        }
        // Three samples at least, so that even a call longer than the cap has a median.
        if start.elapsed() >= rule.time_cap && n >= 3 {
            return Ok(Stats::from_samples(values, true));
        }
    }
}

/// The timing figures a backend can report. Each backend reports the ones it can measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// CPU: back-to-back calls rotating among weight copies larger than the last-level cache.
    CpuColdUs,
    /// CPU: back-to-back calls on one weight buffer.
    CpuHotUs,
    /// GPU: device events around queued calls rotating among weight copies (each with its own
    /// bias) > 3× L2.
    GpuColdUs,
    /// GPU: the same on one weight buffer.
    GpuHotUs,
    /// Host wall clock from launch to completed synchronize, one call at a time.
    HostRoundtripUs,
    /// Host wall clock of enqueuing one call.
    HostSubmitUs,
    /// Per-call time of G calls captured in one CUDA graph and replayed.
    GraphUs,
    /// The same graph with programmatic dependent launch: the variant's PDL build, each call
    /// scheduled while the one before drains and waiting on it in the kernel (skinny kernels
    /// only; the vendor calls have no such build).
    GraphPdlUs,
}

impl Figure {
    pub fn name(self) -> &'static str {
        match self {
            Figure::CpuColdUs => "cpu_cold_us",
            Figure::CpuHotUs => "cpu_hot_us",
            Figure::GpuColdUs => "gpu_cold_us",
            Figure::GpuHotUs => "gpu_hot_us",
            Figure::HostRoundtripUs => "host_roundtrip_us",
            Figure::HostSubmitUs => "host_submit_us",
            Figure::GraphUs => "graph_us",
            Figure::GraphPdlUs => "graph_pdl_us",
        }
    }

    /// The figure bandwidth and roofline are computed from: weights from memory, not cache.
    pub fn is_cold(self) -> bool {
        matches!(self, Figure::CpuColdUs | Figure::GpuColdUs)
    }
}

pub type Timings = BTreeMap<Figure, Stats>;

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(cap_ms: u64) -> StoppingRule {
        StoppingRule {
            warmup: Duration::ZERO,
            spread_target: 0.005,
            min_samples: 10,
            max_samples: 100_000,
            time_cap: Duration::from_millis(cap_ms),
        }
    }

    #[test]
    fn steady_samples_stop_at_the_minimum() {
        let stats = sample_until_stable(&rule(10_000), || Ok::<_, ()>(5.0)).unwrap();
        assert_eq!(stats.samples, 10);
        assert!(!stats.cap_hit);
        assert_eq!(
            (stats.median, stats.min, stats.max, stats.rel_spread),
            (5.0, 5.0, 5.0, 0.0)
        );
    }

    #[test]
    fn noisy_samples_run_into_the_cap() {
        let mut i = 0u64;
        // No sample limit: on a quiet, fast machine 100 000 trivial samples took under 20 ms, and
        // the limit, not the cap, ended sampling (a flaky failure).
        let no_limit = StoppingRule {
            max_samples: usize::MAX,
            ..rule(20)
        };
        let stats = sample_until_stable(&no_limit, || {
            i += 1;
            Ok::<_, ()>(if i % 2 == 0 { 1.0 } else { 2.0 })
        })
        .unwrap();
        assert!(stats.cap_hit);
        assert!(stats.rel_spread > 0.5, "{}", stats.rel_spread);
        assert_eq!((stats.min, stats.max), (1.0, 2.0));
        assert_eq!(stats.values.len(), stats.samples);
    }

    #[test]
    fn errors_stop_sampling() {
        let mut calls = 0;
        let result = sample_until_stable(&rule(1000), || {
            calls += 1;
            if calls == 4 {
                Err("device lost")
            } else {
                Ok(1.0)
            }
        });
        assert_eq!(result.unwrap_err(), "device lost");
    }

    #[test]
    fn statistics_of_known_samples() {
        let s = Stats::from_samples(vec![4.0, 1.0, 3.0, 2.0, 100.0], false);
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 100.0));
        assert!((s.mean - 22.0).abs() < 1e-12);
        assert!(s.p25 < s.median && s.median < s.p75);
    }

    #[test]
    fn figures_serialize_by_their_documented_names() {
        for f in [Figure::GpuColdUs, Figure::HostSubmitUs, Figure::CpuHotUs] {
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.name()));
        }
    }
}
