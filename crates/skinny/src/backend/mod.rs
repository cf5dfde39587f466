//! Backends: where kernels run. One trait, implemented by the CPU backend now and the CUDA
//! backend next; the probe drives either without knowing which.
//!
//! A backend prepares one (problem, variant) at a time: it allocates and uploads the inputs once,
//! then the probe asks it for one verified run and for timings. Verification itself (reference,
//! comparison) stays in the probe, so every backend is judged by the same code.

pub mod cpu;
pub mod cuda;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::data::{HostTensor, ProblemData};
use crate::measure::{Stats, StoppingRule, Timings};
use crate::registry::{BackendKind, Variant};

/// What the backend runs on, for the result file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub backend: BackendKind,
    pub name: String,
    /// Backend-specific facts: cache sizes, thread counts, compute capability, driver version.
    pub details: BTreeMap<String, String>,
}

/// The read bandwidth the device reaches on a plain streaming read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BandwidthCeiling {
    /// Median of the samples, GB/s (10^9 bytes per second).
    pub gbps: f64,
    pub buffer_bytes: u64,
    /// Samples in GB/s.
    pub stats: Stats,
}

/// A cold read of one buffer size: copies rotated past the L2, each read once a call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizedRead {
    pub bytes: u64,
    /// The best launch configuration's per-call time, µs.
    pub us: Stats,
    /// The same configuration replayed from a CUDA graph, per call, µs (as `graph_us`).
    #[serde(default)]
    pub graph_us: Option<Stats>,
    /// That configuration, e.g. "4 loads a thread, 532 blocks of 256, loads not allocated in L1".
    pub config: String,
}

impl Ceilings {
    /// The cold read time of `bytes`, if it was measured.
    pub fn sized_read_us(&self, bytes: u64) -> Option<f64> {
        self.sized_reads
            .iter()
            .find(|r| r.bytes == bytes)
            .map(|r| r.us.median)
    }
}

/// The device's own limits, measured in the same run as the kernels so that every time can be
/// read against them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Ceilings {
    pub read_bandwidth: Option<BandwidthCeiling>,
    /// Launch (or dispatch) of an empty unit of work and waiting for it, µs.
    pub empty_roundtrip_us: Option<Stats>,
    /// Per-node cost of empty kernels replayed in a CUDA graph, µs.
    pub graph_node_us: Option<Stats>,
    /// Per-kernel GPU time of empty one-thread kernels queued back to back on a stream, µs: the
    /// floor under every `gpu_cold_us` (which queues calls the same way).
    #[serde(default)]
    pub queued_kernel_us: Option<Stats>,
    /// The same with a machine-filling grid of empty blocks: what launching and retiring a
    /// GEMV-sized grid costs before any byte is read.
    #[serde(default)]
    pub queued_grid_us: Option<Stats>,
    /// The fastest cold read of exactly so many bytes, queued back to back like `gpu_cold_us`:
    /// the floor for a kernel whose weights are that size (ramp-up and tail included).
    #[serde(default)]
    pub sized_reads: Vec<SizedRead>,
    /// What each ceiling means on this backend.
    pub notes: Vec<String>,
}

/// A failure while preparing, running or timing one variant.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct RunError {
    pub message: String,
    /// The backend can run nothing more (a poisoned CUDA context): the probe stops its runs.
    pub fatal: bool,
}

impl RunError {
    pub fn new(message: impl Into<String>) -> RunError {
        RunError {
            message: message.into(),
            fatal: false,
        }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub trait Backend {
    fn kind(&self) -> BackendKind;
    fn device(&self) -> DeviceInfo;
    /// The device's ceilings; `read_sizes` asks for a cold read of each of those byte counts
    /// (backends that cannot measure it leave `sized_reads` empty).
    fn measure_ceilings(
        &mut self,
        rule: &StoppingRule,
        read_sizes: &[u64],
    ) -> Result<Ceilings, RunError>;
    /// Why this device cannot run `variant` on any problem (its kernel family is built for
    /// another architecture), or None. The probe records such a variant as a coverage gap
    /// rather than as a failed run.
    fn cannot_run(&self, _variant: &Variant) -> Option<String> {
        None
    }
    /// Allocate and upload what one run of `variant` on `data` needs.
    fn prepare<'a>(
        &'a mut self,
        variant: &Variant,
        data: &ProblemData,
    ) -> Result<Box<dyn PreparedRun + 'a>, RunError>;
}

pub trait PreparedRun {
    /// Poison y with NaN (for axpby: reset it to the input y, which the kernel must read), run
    /// once, wait, and return y.
    fn run_once(&mut self) -> Result<HostTensor, RunError>;
    /// Every timing figure this backend measures, each under the stopping rule.
    fn measure(&mut self, rule: &StoppingRule) -> Result<Timings, RunError>;
}

/// Which backend the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    Auto,
    Cpu,
    Cuda,
}

/// The backend in use and why it was chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackendSelection {
    pub kind: BackendKind,
    pub requested: BackendChoice,
    pub reason: String,
}

/// Open the backend the user asked for. `auto` prefers CUDA and falls back to the CPU, saying why.
pub fn open(choice: BackendChoice) -> Result<(Box<dyn Backend>, BackendSelection), String> {
    let cpu = |reason: String| {
        let backend: Box<dyn Backend> = Box::new(cpu::CpuBackend::new());
        (
            backend,
            BackendSelection {
                kind: BackendKind::Cpu,
                requested: choice,
                reason,
            },
        )
    };
    if choice == BackendChoice::Cpu {
        return Ok(cpu("--backend cpu".into()));
    }
    match (cuda::CudaBackend::open(), choice) {
        (Ok(backend), _) => {
            let reason = match choice {
                BackendChoice::Auto => "auto: a CUDA device is usable",
                _ => "--backend cuda",
            };
            let backend: Box<dyn Backend> = Box::new(backend);
            Ok((
                backend,
                BackendSelection {
                    kind: BackendKind::Cuda,
                    requested: choice,
                    reason: reason.into(),
                },
            ))
        }
        (Err(why), BackendChoice::Auto) => Ok(cpu(format!("fell back to the CPU backend: {why}"))),
        (Err(why), _) => Err(format!("--backend cuda: {why}; use --backend cpu")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_of_older_files_read_without_the_newer_fields() {
        // A sixth-session ceiling block: no queued kernels, no sized reads, no raw samples.
        let old = r#"{"read_bandwidth": null,
            "empty_roundtrip_us": {"median": 7.4, "min": 6.7, "max": 9.0, "mean": 7.5,
              "p25": 7.3, "p75": 7.6, "rel_spread": 0.04, "samples": 10, "cap_hit": false},
            "graph_node_us": null, "notes": []}"#;
        let c: Ceilings = serde_json::from_str(old).unwrap();
        assert_eq!(c.empty_roundtrip_us.as_ref().map(|s| s.median), Some(7.4));
        assert!(c.queued_kernel_us.is_none() && c.sized_reads.is_empty());
        assert_eq!(c.sized_read_us(1 << 20), None);
    }

    #[test]
    fn a_sized_read_is_found_by_its_exact_size() {
        let stats = Stats::from_samples(vec![4.9, 5.0, 5.1], false);
        let c = Ceilings {
            sized_reads: vec![SizedRead {
                bytes: 8_716_288,
                us: stats,
                graph_us: None,
                config: "4 loads a thread".into(),
            }],
            ..Ceilings::default()
        };
        assert_eq!(c.sized_read_us(8_716_288), Some(5.0));
        assert_eq!(c.sized_read_us(8_716_289), None);
    }
}
