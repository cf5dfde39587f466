//! Run-time dispatch on CUDA: plan a problem once, launch it many times.
//!
//! [`Dispatcher::plan`] picks a variant (`dispatch::choose`: the tuned winner, a rule from the
//! nearest tuned shapes, or cuBLAS), compiles it (NVRTC, cached on disk), works out its grid and
//! allocates its split-K workspace. [`MatmulPlan::launch`] is then one launch on the caller's
//! stream: no allocation, no host synchronisation, no compilation, so it can be captured into a
//! CUDA graph.
//!
//! ```
//! use skinny::cudarc::driver::CudaContext;
//! use half::bf16;
//! use skinny::backend::cuda::dispatcher::{DispatchOptions, Dispatcher};
//! use skinny::dispatch::DispatchTable;
//! use skinny::problem::{Dtype, Epilogue, Layout, Problem};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! if let Some(why) = skinny::backend::cuda::unavailable() {
//!     eprintln!("no CUDA here ({why}): nothing to dispatch");
//!     return Ok(());
//! }
//! let ctx = CudaContext::new(0)?;
//! let stream = ctx.new_stream()?;
//! // A table from `skinny tune`; without one (or if it was tuned on another system) every plan
//! // falls back to cuBLAS, and `table_status` says why.
//! let table = DispatchTable::read("skinny-dispatch.json".as_ref()).ok();
//! let mut skinny = Dispatcher::new(stream.clone(), DispatchOptions { table, ..Default::default() })?;
//!
//! // Qwen2.5-0.5B's q/k/v projection for one token: y[1, 1152] = x[1, 896]·Wᵀ + bias.
//! let problem = Problem::new(1, 1152, 896, Layout::Nt, Dtype::Bf16, Epilogue::Bias)?;
//! let plan = skinny.plan(&problem)?;
//! println!("{} ({:?})", plan.choice().variant, plan.choice().reason);
//!
//! let x = stream.clone_htod(&vec![bf16::from_f32(0.5); 896])?;
//! let w = stream.clone_htod(&vec![bf16::from_f32(0.01); 1152 * 896])?;
//! let bias = stream.clone_htod(&vec![bf16::from_f32(1.0); 1152])?;
//! let mut y = stream.alloc_zeros::<bf16>(1152)?;
//! plan.run(&stream, &x, &w, Some(&bias), &mut y)?; // as often as needed, or inside a graph
//! let y = stream.clone_dtoh(&y)?;
//! assert!((y[0].to_f32() - (1.0 + 896.0 * 0.005)).abs() < 0.1);
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;

use cudarc::driver::{CudaSlice, CudaStream, DevicePtr, DevicePtrMut, DeviceRepr};

use super::call::{Call, Operands};
use super::vendor::Cublas;
use super::{kernel_sources_digest, CudaBackend};
use crate::backend::{Backend, Ceilings, DeviceInfo, RunError};
use crate::dispatch::{choose_for, Choice, DispatchTable, Validators};
use crate::measure::StoppingRule;
use crate::problem::{Epilogue, Problem};
use crate::registry::Registry;

#[derive(Default)]
pub struct DispatchOptions {
    /// A table from `skinny tune`; checked against the running system before it is used.
    pub table: Option<DispatchTable>,
    /// The registry to choose from (the embedded one when `None`).
    pub registry: Option<Registry>,
    /// Plan skinny kernels for programmatic dependent launch: compiled with the wait on the
    /// kernel before, launched with the attribute, so that each may be scheduled while the
    /// previous kernel in the stream drains (see [`Dispatcher::set_pdl`]).
    pub pdl: bool,
}

/// What became of the table the dispatcher was given.
#[derive(Clone, Debug, PartialEq)]
pub enum TableStatus {
    NoTable,
    Used,
    /// The table's validators did not match this system; plans fall back to cuBLAS.
    Refused(String),
}

pub struct Dispatcher {
    backend: CudaBackend,
    registry: Registry,
    table: Option<DispatchTable>,
    status: TableStatus,
    validators: Validators,
    pdl: bool,
}

impl Dispatcher {
    pub fn new(stream: Arc<CudaStream>, options: DispatchOptions) -> Result<Dispatcher, String> {
        let backend = CudaBackend::on_stream(stream)?;
        let registry = match options.registry {
            Some(r) => r,
            None => Registry::embedded().map_err(|e| e.to_string())?,
        };
        let validators = backend.validators(&registry)?;
        let mut dispatcher = Dispatcher {
            backend,
            registry,
            table: None,
            status: TableStatus::NoTable,
            validators,
            pdl: options.pdl,
        };
        if let Some(table) = options.table {
            dispatcher.replace_table(table);
        }
        Ok(dispatcher)
    }

    /// Plan the following problems with programmatic dependent launch, or without. Plans made
    /// before keep what they were made with.
    ///
    /// Under PDL a plan's kernel may start while the kernel before it in the stream is still
    /// running: it waits for that kernel before it touches x or y, but most skinny kernels
    /// request their first weights, and their bias, before waiting. So the kernel just before a
    /// PDL plan must not write that plan's W or bias (a dequantising kernel, say), nor, when that
    /// kernel is a variant with `EARLY_TRIGGER` (a chain pick may be), the kernels before it back
    /// to the last launch without PDL; weights and biases written before a launch without PDL
    /// are always safe.
    /// That early request is what makes PDL pay: on the H200 it took Qwen2.5-0.5B's graph chain
    /// from 415 to 353 µs a token (docs/PERF.md, ninth session).
    pub fn set_pdl(&mut self, on: bool) {
        self.pdl = on;
    }

    /// Whether plans made now use programmatic dependent launch.
    pub fn pdl(&self) -> bool {
        self.pdl
    }

    /// Run `f` with PDL set to `on`, then put back what was set before (also when `f` fails).
    pub fn with_pdl<T>(&mut self, on: bool, f: impl FnOnce(&mut Dispatcher) -> T) -> T {
        let before = self.pdl;
        self.pdl = on;
        let out = f(self);
        self.pdl = before;
        out
    }

    /// Whether the table is in use, and if it was refused, which validator differed.
    pub fn table_status(&self) -> &TableStatus {
        &self.status
    }

    /// The running system's validators (what a table must match).
    pub fn validators(&self) -> &Validators {
        &self.validators
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The stream the dispatcher was made with (plans may launch on other streams of its
    /// context, one at a time; see [`MatmulPlan`]).
    pub fn stream(&self) -> &Arc<CudaStream> {
        &self.backend.stream
    }

    /// The device's ceilings (read bandwidth, empty round trip, graph node, queued empty
    /// kernels), measured now; no sized reads.
    pub fn measure_ceilings(&mut self, rule: &StoppingRule) -> Result<Ceilings, RunError> {
        self.backend.measure_ceilings(rule, &[])
    }

    /// The device as the probe's result file describes it.
    pub fn device(&self) -> DeviceInfo {
        self.backend.device()
    }

    /// The dispatcher's backend, to probe its choices on the same context and stream.
    pub fn probe_backend(&mut self) -> &mut dyn Backend {
        &mut self.backend
    }

    pub(crate) fn backend_mut(&mut self) -> &mut CudaBackend {
        &mut self.backend
    }

    /// Which variant `problem` would run (with PDL as set now), and why, without preparing it.
    /// A rule may compile candidate kernels (cached) to learn how many of their blocks fit the
    /// GPU at once.
    pub fn choose(&mut self, problem: &Problem) -> Result<Choice, String> {
        let backend = &mut self.backend;
        choose_for(
            problem,
            self.table.as_ref(),
            &self.registry,
            self.pdl,
            &mut |variant| backend.block_slots(variant, problem),
        )
    }

    /// The table in use, if any.
    pub fn table(&self) -> Option<&DispatchTable> {
        self.table.as_ref()
    }

    /// Use `table` for the plans made from now on (plans made before keep their choice), if
    /// its validators match this system; otherwise plans fall back to cuBLAS, as in [`new`].
    ///
    /// [`new`]: Dispatcher::new
    pub fn replace_table(&mut self, table: DispatchTable) -> &TableStatus {
        (self.table, self.status) = match table.validators.mismatch(&self.validators) {
            None => (Some(table), TableStatus::Used),
            Some(why) => (None, TableStatus::Refused(why)),
        };
        &self.status
    }

    /// Choose, compile and prepare. Fails only when no variant, not even cuBLAS, can run the
    /// problem, or when the device refuses (out of memory, a sticky error).
    pub fn plan(&mut self, problem: &Problem) -> Result<MatmulPlan, String> {
        let choice = self.choose(problem)?;
        match self.plan_choice(problem, choice.clone()) {
            Ok(plan) => Ok(plan),
            // The choice could not be prepared (a compile error, cuBLASLt finding no
            // algorithm): the vendor fallback, unless the device itself is gone.
            Err(e) if self.backend.poisoned.is_none() => {
                let fallback =
                    crate::dispatch::choose(problem, None, &self.registry, &mut |_| None)?;
                if fallback.variant == choice.variant {
                    return Err(e);
                }
                let why = format!("preparing {} failed: {e}", choice.variant);
                self.plan_choice(
                    problem,
                    Choice {
                        variant: fallback.variant,
                        reason: crate::dispatch::Reason::Fallback { why },
                    },
                )
            }
            Err(e) => Err(e),
        }
    }

    /// Prepare a named variant (as a baseline, or to pin a choice).
    pub fn plan_variant(&mut self, problem: &Problem, variant: &str) -> Result<MatmulPlan, String> {
        let choice = Choice {
            variant: variant.to_string(),
            reason: crate::dispatch::Reason::Fallback {
                why: "named by the caller".into(),
            },
        };
        self.plan_choice(problem, choice)
    }

    fn plan_choice(&mut self, problem: &Problem, choice: Choice) -> Result<MatmulPlan, String> {
        let variant = self
            .registry
            .get(&choice.variant)
            .ok_or_else(|| format!("the registry has no variant '{}'", choice.variant))?
            .clone();
        let reasons = crate::plan::unsupported_reasons(problem, &variant.supports);
        if !reasons.is_empty() {
            return Err(format!(
                "{} cannot run {problem}: {}",
                variant.id,
                reasons.join("; ")
            ));
        }
        let prepared = self
            .backend
            .prepare_call(&variant, problem, self.pdl)
            .map_err(|e| format!("preparing {} for {problem}: {e}", variant.id))?;
        Ok(MatmulPlan {
            call: prepared.call,
            choice,
            _scratch: prepared.scratch,
            cublas: self.backend.cublas.clone(),
            _workspace: self.backend.workspace.clone(),
        })
    }
}

/// One problem, ready to launch.
///
/// Plans of one dispatcher share its cuBLAS handle and workspace, and a split-K plan owns a
/// workspace of its own: launch a dispatcher's plans on one stream at a time (any stream of its
/// context, switching between them in order), and let that work finish before dropping a plan.
pub struct MatmulPlan {
    call: Call,
    choice: Choice,
    _scratch: Option<CudaSlice<u8>>,
    cublas: Option<std::rc::Rc<Cublas>>,
    _workspace: Arc<CudaSlice<u8>>,
}

impl MatmulPlan {
    pub fn problem(&self) -> &Problem {
        &self.call.problem
    }

    pub fn choice(&self) -> &Choice {
        &self.choice
    }

    /// Whether skinny kernels of this plan launch with programmatic dependent launch.
    pub fn pdl(&self) -> bool {
        self.call.pdl
    }

    /// Launch on `stream` with raw device pointers: one kernel launch or library call.
    ///
    /// # Safety
    /// The operands must be live device allocations of this plan's context, of the problem's
    /// sizes and dtype (`x` m·k, `w` n·k, `y` m·n elements, `bias` n elements or 0 when the
    /// problem has no bias), and nothing else may write them while the call runs.
    pub unsafe fn launch(&self, stream: &CudaStream, operands: Operands) -> Result<(), RunError> {
        self.call.launch(stream, self.cublas.as_deref(), operands)
    }

    /// Launch on `stream` with cudarc buffers, checked against the problem's sizes and dtype.
    ///
    /// Inside a graph capture, prefer [`MatmulPlan::launch`] with pointers taken before the
    /// capture, or turn cudarc's event tracking off: with it on, taking a buffer's pointer
    /// records and waits on events, which a capture does not allow.
    pub fn run<T: DeviceRepr>(
        &self,
        stream: &CudaStream,
        x: &CudaSlice<T>,
        w: &CudaSlice<T>,
        bias: Option<&CudaSlice<T>>,
        y: &mut CudaSlice<T>,
    ) -> Result<(), String> {
        let p = self.problem();
        let elem = std::mem::size_of::<T>() as u64;
        if elem != p.dtype().size_bytes() {
            return Err(format!(
                "the buffers hold {elem}-byte elements; the problem is {}",
                p.dtype()
            ));
        }
        let check = |name: &str, len: usize, want: usize| {
            if len == want {
                Ok(())
            } else {
                Err(format!("{name} has {len} elements; {p} needs {want}"))
            }
        };
        check("x", x.len(), p.m() * p.k())?;
        check("w", w.len(), p.n() * p.k())?;
        check("y", y.len(), p.m() * p.n())?;
        match (p.epilogue(), bias) {
            (Epilogue::Bias, Some(b)) => check("bias", b.len(), p.n())?,
            (Epilogue::Bias, None) => return Err(format!("{p} has a bias; none was given")),
            (_, Some(_)) => return Err(format!("{p} has no bias epilogue; a bias was given")),
            (_, None) => {}
        }
        let (x_ptr, _x) = x.device_ptr(stream);
        let (w_ptr, _w) = w.device_ptr(stream);
        let (y_ptr, _y) = y.device_ptr_mut(stream);
        let bias_ptr = bias.map(|b| b.device_ptr(stream));
        let operands = Operands {
            x: x_ptr,
            w: w_ptr,
            y: y_ptr,
            bias: bias_ptr.as_ref().map_or(0, |(p, _)| *p),
        };
        // SAFETY: sizes and element width checked above; the slices are live for the call and
        // their stream bookkeeping (the guards above) orders them with `stream`.
        unsafe { self.launch(stream, operands) }.map_err(|e| e.message)
    }
}

impl CudaBackend {
    /// The validators of this system for a table over `registry`: read off the device as the
    /// result files describe it, so a table built from them compares like with like.
    pub(crate) fn validators(&self, registry: &Registry) -> Result<Validators, String> {
        Validators::of_device(&self.device(), kernel_sources_digest(&registry.variants))
    }
}
