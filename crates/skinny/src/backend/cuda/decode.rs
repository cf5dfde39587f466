//! `skinny decode` on the GPU: one decode step's matmul chain, run by cuBLAS and by skinny's
//! dispatch, eagerly and as a CUDA graph, with and without programmatic dependent launch, and,
//! when asked, as one persistent kernel that streams the weights through shared memory
//! (persistent.cu).
//!
//! Weights are filled on the device (a hash of the index, uniform with variance 1/k so that the
//! activations keep their scale along the chain); every layer has its own. Each mode has its own
//! output buffers, poisoned with NaN before the run that is checked. The reference is the cuBLAS
//! eager chain: every mode's whole chain is compared with it step by step, and each product
//! dispatch chose is also run alone on the cuBLAS chain's input and compared with its output.

use std::ffi::c_void;
use std::sync::Arc;

use cudarc::driver::{result as drv, CudaFunction, CudaSlice, CudaStream};

use super::call::{launch_cooperative, Operands};
use super::dispatcher::{Dispatcher, MatmulPlan};
use super::timing::{capture, elapsed_us, event, launch_read, read_config, time_graph_replay};
use super::{device_ptr, driver_error, PersistentKernel};
use crate::backend::RunError;
use crate::data::HostTensor;
use crate::decode::{
    summarize_trace, Chain, ChainCheck, DecodeOutcome, Input, Issue, ModeResult, ProductTrace,
    StepChoice, TRACE_STAMPS,
};
use crate::dispatch::vendor_baseline;
use crate::measure::{sample_until_stable, Stats, StoppingRule};
use crate::problem::{Epilogue, Layout, Problem};
use crate::reference::{compare, Tolerance};

/// The chain's weights, biases and token input, on the device.
pub(super) struct Weights {
    w: Vec<CudaSlice<u8>>,
    bias: Vec<Option<CudaSlice<u8>>>,
    tokens: CudaSlice<u8>,
}

/// One set of plans for the chain: a plan per distinct problem, and which one each step uses.
pub(super) struct PlanSet {
    plans: Vec<MatmulPlan>,
    step_plan: Vec<usize>,
}

pub struct DecodeSettings {
    pub rule: StoppingRule,
    pub seed: u64,
    /// Also run the skinny-persistent mode (`measure_persistent`).
    pub persistent: bool,
    /// At most this many ring stages for it (default: as many as shared memory holds).
    pub persistent_stages: Option<u32>,
}

fn alloc(stream: &Arc<CudaStream>, bytes: u64, what: &str) -> Result<CudaSlice<u8>, String> {
    // SAFETY: every buffer is filled (weights, poison) before a kernel reads it.
    unsafe { stream.alloc::<u8>(bytes as usize) }
        .map_err(|e| format!("allocating {what} ({bytes} bytes): {e}"))
}

/// Run the chain in every mode and check each against the cuBLAS eager chain.
pub fn run_decode(
    dispatcher: &mut Dispatcher,
    chain: &Chain,
    read_gbps: f64,
    settings: &DecodeSettings,
    mut progress: impl FnMut(&str),
) -> Result<DecodeOutcome, String> {
    let stream = dispatcher.stream().clone();
    let spin = dispatcher
        .backend_mut()
        .spin_kernel()
        .map_err(|e| e.message)?;

    progress(&format!(
        "filling {:.2} GB of weights",
        chain.weight_bytes() as f64 / 1e9
    ));
    let weights = fill_weights(dispatcher, chain, settings.seed)?;

    progress("planning");
    let vendor = plan_set(dispatcher, chain, |d, p| {
        d.plan_variant(p, vendor_baseline(p))
    })?;
    let skinny = dispatcher.with_pdl(false, |d| plan_set(d, chain, |d, p| d.plan(p)))?;
    let skinny_pdl = dispatcher.with_pdl(true, |d| plan_set(d, chain, |d, p| d.plan(p)))?;

    let reference = reference_chain(&stream, chain, &vendor, &weights)?;

    progress("checking each chosen product alone");
    let choices = check_products(&stream, chain, &skinny, &reference.ops, &reference.outputs)?;
    let pdl_choices = check_products(
        &stream,
        chain,
        &skinny_pdl,
        &reference.ops,
        &reference.outputs,
    )?;

    let floor_us = chain.floor_us(read_gbps);
    let timer = StepTimer {
        stream: &stream,
        spin: &spin,
        rule: &settings.rule,
    };
    let mut modes = Vec::new();
    let runs: [(&str, &PlanSet, bool); 3] = [
        ("cublas", &vendor, false),
        ("skinny", &skinny, false),
        ("skinny", &skinny_pdl, true),
    ];
    for (library, set, pdl) in runs {
        let out = outputs(&stream, chain)?;
        let ops = chain_operands(&stream, chain, &weights, &out);
        for issue_kind in [Issue::Eager, Issue::Graph] {
            let mode = format!(
                "{library}-{}{}",
                match issue_kind {
                    Issue::Eager => "eager",
                    Issue::Graph => "graph",
                },
                if pdl { "-pdl" } else { "" },
            );
            progress(&format!("timing {mode}"));
            let (chain_check, per_token_us) =
                measure_mode(&timer, chain, &reference.outputs, &out, issue_kind, || {
                    issue(&stream, chain, set, &ops)
                })
                .map_err(|e| format!("{mode}: {e}"))?;
            modes.push(ModeResult::new(
                mode,
                issue_kind,
                library,
                pdl,
                per_token_us,
                floor_us,
                chain_check,
            ));
        }
    }
    // The whole chain in one persistent kernel. When it cannot run, the other modes still
    // stand.
    let mut persistent_trace = None;
    if settings.persistent {
        progress("timing skinny-persistent");
        let measured = measure_persistent(
            dispatcher,
            &spin,
            chain,
            &weights,
            &reference.outputs,
            settings,
        );
        match measured {
            Err(why) => progress(&format!("no skinny-persistent mode: {why}")),
            Ok(((chain_check, per_token_us), trace)) => {
                modes.push(ModeResult::new(
                    "skinny-persistent".into(),
                    Issue::Graph,
                    "skinny",
                    false,
                    per_token_us,
                    floor_us,
                    chain_check,
                ));
                persistent_trace = Some(trace);
            }
        }
    }
    // A yardstick, not a mode: when it cannot be measured the modes still stand.
    progress("timing the read chain");
    let read_chain_us = match measure_read_chain(dispatcher, &spin, &weights, &settings.rule) {
        Ok(stats) => Some(stats),
        Err(why) => {
            progress(&format!("no read chain: {why}"));
            None
        }
    };
    Ok(DecodeOutcome {
        chain: chain.clone(),
        weight_bytes: chain.weight_bytes(),
        read_gbps,
        floor_us,
        table_status: format!("{:?}", dispatcher.table_status()),
        choices,
        pdl_choices,
        modes,
        read_chain_us,
        persistent_trace,
        chain_tuning: None,
    })
}

/// Loads a thread of the read chain's kernels: the best of the probe's sized reads on most
/// sizes of qwen2.5-0.5b and llama-3-8b (8 or 16 won on the 8–34 MB ones; docs/PERF.md, seventh
/// session), so the read chain may be a little slower than the best read of every product.
const READ_CHAIN_LOADS: u64 = 4;

/// The chain's weights read in order, one read kernel a product, from a graph: the time of the
/// kernel boundaries and of reading each product's bytes, with no arithmetic and no dependency
/// on x. A chain of one kernel a product cannot run faster than this.
fn measure_read_chain(
    dispatcher: &mut Dispatcher,
    spin: &CudaFunction,
    weights: &Weights,
    rule: &StoppingRule,
) -> Result<Stats, String> {
    let stream = dispatcher.stream().clone();
    let read = dispatcher
        .backend_mut()
        .read_kernel()
        .map_err(|e| e.message)?;
    let sink = stream
        .alloc_zeros::<u32>(1)
        .map_err(|e| format!("allocating the read chain's sink: {e}"))?;
    let sink_ptr = device_ptr(&stream, &sink);
    let graph = capture(&stream, || {
        weights.w.iter().try_for_each(|w| {
            let bytes = w.len() as u64;
            let config = read_config(bytes, READ_CHAIN_LOADS);
            // SAFETY: `w` is a live weight buffer of `bytes` bytes (allocations are 256-byte
            // aligned) and `sink` a live u32; both outlive the graph's replays below.
            unsafe {
                launch_read(
                    &stream,
                    &read,
                    device_ptr(&stream, w),
                    bytes,
                    config,
                    sink_ptr,
                )
            }
        })
    })
    .map_err(|e| format!("capturing the read chain: {e}"))?;
    time_graph_replay(&stream, spin, rule, &graph)
        .map_err(|e| format!("timing the read chain: {}", e.message))
}

/// How a mode's step is timed: the stream, the spin kernel that graph replays are queued
/// behind, and the stopping rule.
struct StepTimer<'a> {
    stream: &'a Arc<CudaStream>,
    spin: &'a CudaFunction,
    rule: &'a StoppingRule,
}

/// Device time of `once` (one token's work) under the stopping rule, events around each, the
/// host issuing it in between: for the eager modes, whose cost is the host's launches.
fn time_per_token(
    stream: &CudaStream,
    rule: &StoppingRule,
    mut once: impl FnMut() -> Result<(), String>,
) -> Result<Stats, String> {
    sample_until_stable(rule, || -> Result<f64, String> {
        let start = event(stream).map_err(|e| e.message)?;
        once()?;
        let end = event(stream).map_err(|e| e.message)?;
        end.synchronize()
            .map_err(|e| format!("waiting for the step: {e}"))?;
        elapsed_us(&start, &end).map_err(|e| e.message)
    })
}

/// One mode: `step` captured into a graph (for `Issue::Graph`) or issued as it is, run once on
/// poisoned outputs and checked step by step against the reference, then timed per token: a
/// graph's replay as GPU time behind a spin (`time_graph_replay`), eager steps as the host
/// issues them.
fn measure_mode(
    timer: &StepTimer,
    chain: &Chain,
    reference: &[Vec<f64>],
    out: &[CudaSlice<u8>],
    issue_kind: Issue,
    mut step: impl FnMut() -> Result<(), String>,
) -> Result<(ChainCheck, Stats), String> {
    let stream = timer.stream;
    let graph = match issue_kind {
        Issue::Eager => None,
        Issue::Graph => Some(
            capture(stream, || step().map_err(RunError::new))
                .map_err(|e| format!("capturing the step: {e}"))?,
        ),
    };
    let mut once = || -> Result<(), String> {
        match &graph {
            None => step(),
            Some(g) => g.launch().map_err(|e| format!("replaying the graph: {e}")),
        }
    };
    poison(stream, out)?;
    once()?;
    let got = read_outputs(stream, chain, out)?;
    let chain_check = check_chain(chain, &got, reference);
    let per_token_us = match &graph {
        None => time_per_token(stream, timer.rule, once)?,
        Some(g) => time_graph_replay(stream, timer.spin, timer.rule, g).map_err(|e| e.message)?,
    };
    Ok((chain_check, per_token_us))
}

/// The skinny-persistent mode: the chain checked and timed as one persistent kernel, then run
/// once more with stamps, for where the time went.
fn measure_persistent(
    dispatcher: &mut Dispatcher,
    spin: &CudaFunction,
    chain: &Chain,
    weights: &Weights,
    reference: &[Vec<f64>],
    settings: &DecodeSettings,
) -> Result<((ChainCheck, Stats), Vec<ProductTrace>), String> {
    let stream = dispatcher.stream().clone();
    let kernel = PersistentKernel::for_chain(dispatcher, chain, settings.persistent_stages)?;
    let out = outputs(&stream, chain)?;
    let ops = chain_operands(&stream, chain, weights, &out);
    let mut run = kernel.for_operands(&stream, chain, &ops)?;
    let timer = StepTimer {
        stream: &stream,
        spin,
        rule: &settings.rule,
    };
    let measured = measure_mode(&timer, chain, reference, &out, Issue::Graph, || {
        run.issue(&stream)
    })?;
    let blocks = kernel.config.grid_dim.0 as usize;
    let trace = stream
        .alloc_zeros::<u64>(blocks * chain.steps.len() * TRACE_STAMPS)
        .map_err(|e| format!("allocating the persistent trace: {e}"))?;
    run.trace_ptr = device_ptr(&stream, &trace);
    run.issue(&stream)?;
    let stamps = stream
        .clone_dtoh(&trace)
        .map_err(|e| format!("reading the persistent trace: {e}"))?;
    Ok((measured, summarize_trace(chain, blocks, &stamps)?))
}

/// One product's descriptor, laid out as persistent.cu's `StreamStep` (6 pointers, 2 ints).
struct StreamStep {
    w: u64,
    /// The token vector, when `x_xchg` is 0.
    x: u64,
    /// Else the exchange words of the step whose output x is.
    x_xchg: u64,
    y: u64,
    y_xchg: u64,
    bias: u64,
    n: i32,
    k: i32,
}

impl StreamStep {
    const BYTES: usize = 6 * 8 + 2 * 4;

    fn write(&self, out: &mut Vec<u8>) {
        for p in [self.w, self.x, self.x_xchg, self.y, self.y_xchg, self.bias] {
            out.extend_from_slice(&p.to_le_bytes());
        }
        for v in [self.n, self.k] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
}

/// A persistent run for one set of operands: the descriptors, every step's exchange words and
/// the kernel's two sync words (epoch, blocks finished), zeroed once here.
struct PersistentRun<'a> {
    kernel: &'a PersistentKernel,
    _steps: CudaSlice<u8>,
    _words: CudaSlice<u32>,
    steps_ptr: u64,
    sync_ptr: u64,
    count: i32,
    /// Where the kernel records its stamps (`crate::decode::TRACE_STAMPS` a block and
    /// product), or 0 for none.
    trace_ptr: u64,
}

impl PersistentKernel {
    /// The persistent chain kernel (persistent.cu) and its launch for `chain`, or why the chain
    /// is not one it runs: it needs m = 1, a 16-bit dtype, W "nt" with k a multiple of 8
    /// (16-byte rows) and rows that fit a ring stage.
    fn for_chain(
        dispatcher: &mut Dispatcher,
        chain: &Chain,
        max_stages: Option<u32>,
    ) -> Result<PersistentKernel, String> {
        let first = &chain.steps[0].problem;
        if first.m() != 1 {
            return Err(format!("m = {} (the kernel runs m = 1)", first.m()));
        }
        if first.dtype().size_bytes() != 2 {
            return Err(format!(
                "dtype {} (the kernel runs bf16 and f16)",
                first.dtype()
            ));
        }
        if let Some(s) = chain.steps.iter().find(|s| s.problem.k() % 8 != 0) {
            return Err(format!(
                "{}: k = {} is not a multiple of 8",
                s.role,
                s.problem.k()
            ));
        }
        if let Some(s) = chain
            .steps
            .iter()
            .find(|s| s.problem.layout() != Layout::Nt)
        {
            return Err(format!(
                "{}: layout {} (the kernel reads W as nt)",
                s.role,
                s.problem.layout()
            ));
        }
        let max_k = chain.steps.iter().map(|s| s.problem.k()).max().unwrap_or(8);
        dispatcher
            .backend_mut()
            .persistent_chain(first.dtype(), max_k, max_stages)
            .map_err(|e| e.message)
    }

    /// The descriptors of every step, for operands `ops`, and the exchange words.
    fn for_operands(
        &self,
        stream: &Arc<CudaStream>,
        chain: &Chain,
        ops: &[Operands],
    ) -> Result<PersistentRun<'_>, String> {
        // Two sync words, then each step's n exchange words, each run 16-byte aligned (the
        // kernel reads them four at a time).
        let mut offsets = Vec::with_capacity(chain.steps.len());
        let mut words = 4usize;
        for step in &chain.steps {
            offsets.push(words);
            words += step.problem.n().next_multiple_of(4);
        }
        let exchange = stream
            .alloc_zeros::<u32>(words)
            .map_err(|e| format!("allocating the persistent exchange words: {e}"))?;
        let base = device_ptr(stream, &exchange);
        let xchg = |i: usize| base + 4 * offsets[i] as u64;
        let mut bytes = Vec::with_capacity(chain.steps.len() * StreamStep::BYTES);
        for (i, (step, op)) in chain.steps.iter().zip(ops).enumerate() {
            let (x, x_xchg) = match step.input {
                Input::Tokens => (op.x, 0),
                Input::Output { step: j } => (0, xchg(j)),
            };
            StreamStep {
                w: op.w,
                x,
                x_xchg,
                y: op.y,
                y_xchg: xchg(i),
                bias: op.bias,
                n: step.problem.n() as i32,
                k: step.problem.k() as i32,
            }
            .write(&mut bytes);
        }
        let steps = stream
            .clone_htod(&bytes)
            .map_err(|e| format!("copying the persistent steps: {e}"))?;
        Ok(PersistentRun {
            kernel: self,
            steps_ptr: device_ptr(stream, &steps),
            _steps: steps,
            sync_ptr: base,
            _words: exchange,
            count: chain.steps.len() as i32,
            trace_ptr: 0,
        })
    }
}

impl PersistentRun<'_> {
    /// Run the kernel: one launch, nothing to reset (the exchange words carry each launch's tag).
    fn issue(&self, stream: &CudaStream) -> Result<(), String> {
        let k = self.kernel;
        let (steps, count, sync) = (self.steps_ptr, self.count, self.sync_ptr);
        let (stages, stage_bytes) = (k.stages as i32, k.stage_bytes as i32);
        let trace = self.trace_ptr;
        let mut params = [
            &steps as *const u64 as *mut c_void,
            &count as *const i32 as *mut c_void,
            &sync as *const u64 as *mut c_void,
            &stages as *const i32 as *mut c_void,
            &stage_bytes as *const i32 as *mut c_void,
            &trace as *const u64 as *mut c_void,
        ];
        // SAFETY: chain_stream(const StreamStep*, int, u32*, int, int, u64*), with
        // descriptors and exchange words made for these operands and the ring and x the
        // launch's shared memory was sized for. The trace, when set, holds TRACE_STAMPS stamps
        // a block and product. Cooperative: the kernel's waits need every block resident at
        // once, and the driver refuses the launch otherwise.
        unsafe { launch_cooperative(stream, &k.func, k.config, &mut params) }
            .map_err(|e| format!("launching the persistent kernel: {e}"))
    }
}

pub(super) fn fill_weights(
    dispatcher: &mut Dispatcher,
    chain: &Chain,
    seed: u64,
) -> Result<Weights, String> {
    let stream = dispatcher.stream().clone();
    let dtype = chain.steps[0].problem.dtype();
    let elem = dtype.size_bytes();
    let mut fill = |buffer: &CudaSlice<u8>, count: u64, salt: u64, scale: f32| {
        let p = device_ptr(&stream, buffer);
        dispatcher
            .backend_mut()
            .fill_uniform(
                dtype,
                p,
                count,
                seed ^ salt.wrapping_mul(0x9E37_79B9),
                scale,
            )
            .map_err(|e| format!("filling weights: {e}"))
    };
    let mut w = Vec::with_capacity(chain.steps.len());
    let mut bias = Vec::with_capacity(chain.steps.len());
    for (i, step) in chain.steps.iter().enumerate() {
        let p = &step.problem;
        let count = (p.n() * p.k()) as u64;
        let buffer = alloc(&stream, count * elem, "a weight matrix")?;
        // Uniform on ±√(3/k): variance 1/k, so y keeps x's scale.
        fill(
            &buffer,
            count,
            2 * i as u64 + 1,
            (3.0 / p.k() as f32).sqrt(),
        )?;
        w.push(buffer);
        bias.push(if p.epilogue() == Epilogue::Bias {
            let b = alloc(&stream, p.n() as u64 * elem, "a bias")?;
            fill(&b, p.n() as u64, 2 * i as u64 + 2, 0.5)?;
            Some(b)
        } else {
            None
        });
    }
    let first = &chain.steps[0].problem;
    let count = (first.m() * first.k()) as u64;
    let tokens = alloc(&stream, count * elem, "the token input")?;
    fill(&tokens, count, 0, 1.0)?;
    Ok(Weights { w, bias, tokens })
}

pub(super) fn plan_set(
    dispatcher: &mut Dispatcher,
    chain: &Chain,
    mut make: impl FnMut(&mut Dispatcher, &Problem) -> Result<MatmulPlan, String>,
) -> Result<PlanSet, String> {
    let problems = chain.problems();
    let mut plans = Vec::with_capacity(problems.len());
    for p in &problems {
        plans.push(make(dispatcher, p)?);
    }
    Ok(PlanSet {
        plans,
        step_plan: chain.step_problems(),
    })
}

pub(super) fn outputs(
    stream: &Arc<CudaStream>,
    chain: &Chain,
) -> Result<Vec<CudaSlice<u8>>, String> {
    chain
        .steps
        .iter()
        .map(|s| {
            let p = &s.problem;
            alloc(
                stream,
                (p.m() * p.n()) as u64 * p.dtype().size_bytes(),
                "an output",
            )
        })
        .collect()
}

/// All-ones bytes: NaN in bf16, f16 and f32 alike.
pub(super) fn poison(stream: &CudaStream, buffers: &[CudaSlice<u8>]) -> Result<(), String> {
    for b in buffers {
        // SAFETY: the whole of a live allocation of this stream's context.
        unsafe { drv::memset_d8_async(device_ptr(stream, b), 0xFF, b.len(), stream.cu_stream()) }
            .map_err(|e| format!("poisoning an output: {e}"))?;
    }
    Ok(())
}

/// Every step's operands when its outputs go to `out`: x is the tokens or an earlier step's
/// output in `out`. Worked out once per set of outputs, so that issuing the step only launches.
pub(super) fn chain_operands(
    stream: &CudaStream,
    chain: &Chain,
    weights: &Weights,
    out: &[CudaSlice<u8>],
) -> Vec<Operands> {
    chain
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| Operands {
            x: match step.input {
                Input::Tokens => device_ptr(stream, &weights.tokens),
                Input::Output { step } => device_ptr(stream, &out[step]),
            },
            w: device_ptr(stream, &weights.w[i]),
            y: device_ptr(stream, &out[i]),
            bias: weights.bias[i]
                .as_ref()
                .map_or(0, |b| device_ptr(stream, b)),
        })
        .collect()
}

/// The chain every mode is checked against, run once by `vendor` (the cuBLAS plans).
pub(super) struct Reference {
    /// Every step's output, read back.
    pub(super) outputs: Vec<Vec<f64>>,
    /// The operands it ran with (x of a step is the reference's output of an earlier one).
    pub(super) ops: Vec<Operands>,
    /// The device outputs `ops` point into.
    _out: Vec<CudaSlice<u8>>,
}

pub(super) fn reference_chain(
    stream: &Arc<CudaStream>,
    chain: &Chain,
    vendor: &PlanSet,
    weights: &Weights,
) -> Result<Reference, String> {
    let out = outputs(stream, chain)?;
    let ops = chain_operands(stream, chain, weights, &out);
    poison(stream, &out)?;
    issue(stream, chain, vendor, &ops)?;
    let outputs = read_outputs(stream, chain, &out)?;
    Ok(Reference {
        outputs,
        ops,
        _out: out,
    })
}

/// Launch every product of the step, in order, on `stream`.
fn issue(
    stream: &CudaStream,
    chain: &Chain,
    set: &PlanSet,
    ops: &[Operands],
) -> Result<(), String> {
    issue_plans(stream, chain, |i| &set.plans[set.step_plan[i]], ops)
}

/// Launch every product of the step, in order, on `stream`, step i with `plan_of(i)`: a plan
/// of step i's problem.
pub(super) fn issue_plans<'p>(
    stream: &CudaStream,
    chain: &Chain,
    plan_of: impl Fn(usize) -> &'p MatmulPlan,
    ops: &[Operands],
) -> Result<(), String> {
    for (i, (step, operands)) in chain.steps.iter().zip(ops).enumerate() {
        let plan = plan_of(i);
        debug_assert_eq!(*plan.problem(), step.problem);
        // SAFETY: x is at least m·k elements (the chain's rules), w n·k, y m·n and the bias n,
        // all of the chain's dtype; nothing else runs on these buffers.
        unsafe { plan.launch(stream, *operands) }
            .map_err(|e| format!("step {i} ({}): {e}", step.role))?;
    }
    Ok(())
}

pub(super) fn read_outputs(
    stream: &Arc<CudaStream>,
    chain: &Chain,
    out: &[CudaSlice<u8>],
) -> Result<Vec<Vec<f64>>, String> {
    let dtype = chain.steps[0].problem.dtype();
    stream
        .synchronize()
        .map_err(|e| driver_error("running the chain", e).message)?;
    out.iter()
        .map(|b| {
            let bytes = stream
                .clone_dtoh(b)
                .map_err(|e| format!("copying an output back: {e}"))?;
            Ok(HostTensor::from_bytes(dtype, &bytes).to_f64())
        })
        .collect()
}

pub(super) fn check_chain(chain: &Chain, got: &[Vec<f64>], reference: &[Vec<f64>]) -> ChainCheck {
    let step_errors: Vec<f64> = chain
        .steps
        .iter()
        .zip(got.iter().zip(reference))
        .map(|(step, (g, r))| {
            let p = &step.problem;
            compare(g, r, p.n(), p.dtype()).rel_frobenius
        })
        .collect();
    // The first step with a NaN (poison that showed through), else the largest error.
    let worst_step = step_errors
        .iter()
        .position(|e| e.is_nan())
        .unwrap_or_else(|| {
            // The first of equal largest errors.
            (0..step_errors.len())
                .reduce(|a, b| {
                    if step_errors[b] > step_errors[a] {
                        b
                    } else {
                        a
                    }
                })
                .unwrap_or(0)
        });
    let worst_error = step_errors.get(worst_step).copied().unwrap_or(0.0);
    let bound = Tolerance::for_dtype(chain.steps[0].problem.dtype()).rel_frobenius
        * (chain.steps.len() as f64).sqrt();
    ChainCheck {
        passed: worst_error <= bound,
        step_errors,
        worst_step,
        worst_error,
        bound,
    }
}

/// Each distinct product of the skinny set alone, on the reference chain's input for its first
/// step, against the reference chain's output of that step.
fn check_products(
    stream: &Arc<CudaStream>,
    chain: &Chain,
    set: &PlanSet,
    reference_ops: &[Operands],
    reference: &[Vec<f64>],
) -> Result<Vec<StepChoice>, String> {
    let mut choices = Vec::new();
    for (index, plan) in set.plans.iter().enumerate() {
        let step = set
            .step_plan
            .iter()
            .position(|&p| p == index)
            .expect("every plan is used by a step");
        let p = plan.problem();
        let y = alloc(
            stream,
            (p.m() * p.n()) as u64 * p.dtype().size_bytes(),
            "a check output",
        )?;
        poison(stream, std::slice::from_ref(&y))?;
        let operands = Operands {
            y: device_ptr(stream, &y),
            ..reference_ops[step]
        };
        // SAFETY: as in `issue`.
        unsafe { plan.launch(stream, operands) }.map_err(|e| e.message)?;
        let got = read_outputs(stream, chain, std::slice::from_ref(&y))?;
        choices.push(StepChoice {
            role: chain.steps[step].role.clone(),
            problem: *p,
            variant: plan.choice().variant.clone(),
            reason: plan.choice().reason.clone(),
            check: compare(&got[0], &reference[step], p.n(), p.dtype()),
        });
    }
    Ok(choices)
}

#[cfg(test)]
mod tests {
    use super::StreamStep;

    #[test]
    fn a_stream_step_is_as_long_as_the_kernels_struct() {
        let mut bytes = Vec::new();
        let step = StreamStep {
            w: 1,
            x: 2,
            x_xchg: 3,
            y: 4,
            y_xchg: 5,
            bias: 6,
            n: 7,
            k: 8,
        };
        step.write(&mut bytes);
        step.write(&mut bytes);
        // persistent.cu static_asserts sizeof(StreamStep) == 56.
        assert_eq!(StreamStep::BYTES, 56);
        assert_eq!(bytes.len(), 2 * StreamStep::BYTES);
        // The second descriptor starts with its w; the ints come after the six pointers.
        assert_eq!(&bytes[56..64], &1u64.to_le_bytes());
        assert_eq!(&bytes[40..48], &6u64.to_le_bytes());
        assert_eq!(&bytes[48..52], &7i32.to_le_bytes());
        assert_eq!(&bytes[52..56], &8i32.to_le_bytes());
    }
}
