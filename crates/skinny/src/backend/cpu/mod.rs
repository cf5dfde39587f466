//! The CPU backend: the whole pipeline on any machine, and the reference point for what a host
//! can do without a GPU.
//!
//! Timing: `cpu_cold_us` rotates calls across copies of W that together exceed three times the
//! last-level cache, so weights come from DRAM as they would in decode; `cpu_hot_us` reuses one
//! copy. Calls are batched into samples of at least `MIN_SAMPLE` so that the clock's resolution
//! is not what is measured.

pub mod kernels;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use half::{bf16, f16};
use rayon::prelude::*;

use super::{Backend, BandwidthCeiling, Ceilings, DeviceInfo, PreparedRun, RunError};
use crate::data::{Element, HostTensor, ProblemData};
use crate::host::HostInfo;
use crate::measure::{sample_until_stable, Figure, Stats, StoppingRule, Timings};
use crate::problem::{Dtype, Epilogue, Problem};
use crate::registry::{BackendKind, Variant};
use kernels::{Args, GemmCrateElement, KernelFn};

/// Used when sysfs does not give the cache size: larger than the LLC of most desktop and server
/// CPUs, so rotations stay cold.
const FALLBACK_LLC_BYTES: u64 = 64 << 20;
/// Weight copies for the cold rotation never take more than this together.
const ROTATION_BUDGET_BYTES: u64 = 2 << 30;
/// A timing sample lasts at least this long (several calls for a fast kernel).
const MIN_SAMPLE: Duration = Duration::from_micros(200);
/// Default `columns_per_task` of the threaded kernel.
const DEFAULT_COLUMNS_PER_TASK: usize = 64;

pub struct CpuBackend {
    host: HostInfo,
    llc_bytes: u64,
}

impl CpuBackend {
    pub fn new() -> CpuBackend {
        let host = HostInfo::detect();
        let llc_bytes = host.last_level_cache_bytes.unwrap_or(FALLBACK_LLC_BYTES);
        CpuBackend { host, llc_bytes }
    }

    /// Copies of W that together exceed 3× the last-level cache, within the memory budget.
    fn weight_copies(&self, weight_bytes: u64) -> usize {
        let wanted = (3 * self.llc_bytes).div_ceil(weight_bytes.max(1)) + 1;
        let affordable = (ROTATION_BUDGET_BYTES / weight_bytes.max(1)).max(1);
        wanted.min(affordable) as usize
    }
}

impl Default for CpuBackend {
    fn default() -> Self {
        CpuBackend::new()
    }
}

impl Backend for CpuBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cpu
    }

    fn device(&self) -> DeviceInfo {
        let mut details = BTreeMap::new();
        details.insert("threads".into(), rayon::current_num_threads().to_string());
        details.insert("logical_cores".into(), self.host.logical_cores.to_string());
        details.insert(
            "last_level_cache_bytes".into(),
            match self.host.last_level_cache_bytes {
                Some(b) => b.to_string(),
                None => format!("unknown (assumed {FALLBACK_LLC_BYTES})"),
            },
        );
        DeviceInfo {
            backend: BackendKind::Cpu,
            name: self.host.cpu_model.clone(),
            details,
        }
    }

    fn measure_ceilings(&mut self, rule: &StoppingRule, _: &[u64]) -> Result<Ceilings, RunError> {
        Ok(Ceilings {
            read_bandwidth: Some(read_bandwidth(self.llc_bytes, rule)),
            empty_roundtrip_us: Some(empty_dispatch_us(rule)),
            notes: vec![
                "read_bandwidth: all threads summing a buffer of 8× the last-level cache (at least 256 MiB)".into(),
                "empty_roundtrip_us: a rayon broadcast of an empty closure to every pool thread and the join: the CPU's launch + synchronize".into(),
                "graph_node_us: no graphs on the CPU".into(),
                "queued_kernel_us, queued_grid_us, sized_reads: not measured on the CPU".into(),
            ],
            ..Ceilings::default()
        })
    }

    fn prepare<'a>(
        &'a mut self,
        variant: &Variant,
        data: &ProblemData,
    ) -> Result<Box<dyn PreparedRun + 'a>, RunError> {
        let copies = self.weight_copies(data.problem.weight_bytes());
        let columns = variant
            .int_param("columns_per_task")
            .map_or(DEFAULT_COLUMNS_PER_TASK, |c| c as usize);
        match data.problem.dtype() {
            Dtype::Bf16 => CpuRun::<bf16>::boxed(variant, data, copies, columns, bf16_kernel),
            Dtype::F16 => CpuRun::<f16>::boxed(variant, data, copies, columns, gemm_capable_kernel),
            Dtype::F32 => CpuRun::<f32>::boxed(variant, data, copies, columns, gemm_capable_kernel),
        }
    }
}

/// The kernel of a family for an element type the gemm crate does not handle.
fn bf16_kernel(family: &str) -> Result<KernelFn<bf16>, RunError> {
    match family {
        "cpu_naive" => Ok(kernels::naive::<bf16>),
        "cpu_rayon" => Ok(kernels::threaded::<bf16>),
        "cpu_gemm_crate" => Err(RunError::new(
            "the gemm crate has no bf16 kernel (the registry should not claim bf16 for it)",
        )),
        other => Err(RunError::new(format!(
            "the CPU backend has no kernel family '{other}'"
        ))),
    }
}

fn gemm_capable_kernel<T: GemmCrateElement>(family: &str) -> Result<KernelFn<T>, RunError> {
    match family {
        "cpu_naive" => Ok(kernels::naive::<T>),
        "cpu_rayon" => Ok(kernels::threaded::<T>),
        "cpu_gemm_crate" => Ok(kernels::gemm_crate::<T>),
        other => Err(RunError::new(format!(
            "the CPU backend has no kernel family '{other}'"
        ))),
    }
}

fn typed<T: Element>(t: &HostTensor, what: &str) -> Result<Vec<T>, RunError> {
    t.typed::<T>().map(<[T]>::to_vec).ok_or_else(|| {
        RunError::new(format!(
            "{what} is {} but the problem is {}",
            t.dtype(),
            T::DTYPE
        ))
    })
}

/// One prepared (problem, variant): inputs, weight copies for the cold rotation, and y.
struct CpuRun<T: Element> {
    problem: Problem,
    kernel: KernelFn<T>,
    columns_per_task: usize,
    x: Vec<T>,
    weights: Vec<Vec<T>>,
    bias: Option<Vec<T>>,
    y_in: Option<Vec<T>>,
    y: Vec<T>,
}

impl<T: Element> CpuRun<T> {
    fn boxed<'a>(
        variant: &Variant,
        data: &ProblemData,
        copies: usize,
        columns_per_task: usize,
        kernel_of: fn(&str) -> Result<KernelFn<T>, RunError>,
    ) -> Result<Box<dyn PreparedRun + 'a>, RunError> {
        let kernel = kernel_of(&variant.kernel)?;
        let w: Vec<T> = typed(&data.w, "W")?;
        // Every copy holds real data: untouched pages would all map to the one zero page and
        // make the rotation read the same physical memory.
        let weights = (0..copies).map(|_| w.clone()).collect();
        let p = data.problem;
        Ok(Box::new(CpuRun {
            problem: p,
            kernel,
            columns_per_task,
            x: typed(&data.x, "x")?,
            weights,
            bias: data.bias.as_ref().map(|b| typed(b, "bias")).transpose()?,
            y_in: data.y_in.as_ref().map(|y| typed(y, "y")).transpose()?,
            y: vec![T::from_f32(f32::NAN); p.m() * p.n()],
        }))
    }

    fn call(&mut self, copy: usize) {
        let args = Args {
            problem: &self.problem,
            x: &self.x,
            w: &self.weights[copy],
            bias: self.bias.as_deref(),
            columns_per_task: self.columns_per_task,
        };
        (self.kernel)(&args, &mut self.y);
    }

    /// One figure: batches of calls rotating over `copies` weight buffers.
    fn time(&mut self, rule: &StoppingRule, copies: usize) -> Stats {
        let start = Instant::now();
        self.call(0);
        let single = start.elapsed().max(Duration::from_nanos(1));
        let batch = (MIN_SAMPLE.as_nanos() / single.as_nanos()).clamp(1, 10_000) as usize;
        let mut next = 0usize;
        let result = sample_until_stable(rule, || {
            let t = Instant::now();
            for _ in 0..batch {
                self.call(next);
                next = (next + 1) % copies;
            }
            black_box(&self.y);
            Ok::<f64, RunError>(t.elapsed().as_secs_f64() * 1e6 / batch as f64)
        });
        result.expect("CPU sampling cannot fail")
    }
}

impl<T: Element> PreparedRun for CpuRun<T> {
    fn run_once(&mut self) -> Result<HostTensor, RunError> {
        match (&self.problem.epilogue(), &self.y_in) {
            (Epilogue::Axpby { .. }, Some(y_in)) => self.y.copy_from_slice(y_in),
            _ => self.y.fill(T::from_f32(f32::NAN)),
        }
        self.call(0);
        Ok(T::wrap(self.y.clone()))
    }

    fn measure(&mut self, rule: &StoppingRule) -> Result<Timings, RunError> {
        let mut timings = Timings::new();
        let copies = self.weights.len();
        timings.insert(Figure::CpuColdUs, self.time(rule, copies));
        timings.insert(Figure::CpuHotUs, self.time(rule, 1));
        Ok(timings)
    }
}

/// All threads summing a buffer far larger than the last-level cache.
fn read_bandwidth(llc_bytes: u64, rule: &StoppingRule) -> BandwidthCeiling {
    let bytes = (8 * llc_bytes).max(256 << 20);
    let words = (bytes / 8) as usize;
    let buffer: Vec<u64> = (0..words as u64).into_par_iter().map(|i| i | 1).collect();
    let stats = sample_until_stable(rule, || {
        let t = Instant::now();
        let sum = buffer
            .par_chunks(1 << 16)
            .map(|c| c.iter().fold(0u64, |a, &v| a.wrapping_add(v)))
            .reduce(|| 0, u64::wrapping_add);
        black_box(sum);
        Ok::<f64, ()>(bytes as f64 / t.elapsed().as_secs_f64() / 1e9)
    })
    .expect("CPU sampling cannot fail");
    BandwidthCeiling {
        gbps: stats.median,
        buffer_bytes: bytes,
        stats,
    }
}

/// The CPU's launch-and-wait: hand an empty closure to every pool thread and join.
fn empty_dispatch_us(rule: &StoppingRule) -> Stats {
    const BATCH: u32 = 64;
    sample_until_stable(rule, || {
        let t = Instant::now();
        for _ in 0..BATCH {
            rayon::broadcast(|ctx| black_box(ctx.index()));
        }
        Ok::<f64, ()>(t.elapsed().as_secs_f64() * 1e6 / BATCH as f64)
    })
    .expect("CPU sampling cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_exceeds_three_llc_within_budget() {
        let b = CpuBackend {
            host: HostInfo::detect(),
            llc_bytes: 32 << 20,
        };
        let small = 1 << 20;
        assert!(b.weight_copies(small) as u64 * small > 3 * (32 << 20));
        assert_eq!(b.weight_copies(1 << 30), 2);
        assert_eq!(b.weight_copies(3 << 30), 1);
    }
}
