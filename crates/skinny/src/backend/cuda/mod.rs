//! The CUDA backend: kernels compiled by NVRTC at run time, cuBLAS and cuBLASLt as baselines,
//! and the five timing figures of DESIGN.md's measurement contract.
//!
//! One context, one non-default stream (the legacy stream cannot be captured into a graph), and
//! cudarc's event tracking off: every launch is then exactly one driver call, which is what the
//! host-side figures should measure.

mod call;
pub mod chain_tune;
pub mod compile;
pub mod decode;
pub mod dispatcher;
pub mod kernels;
mod timing;
mod vendor;

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use cudarc::driver::{
    result as drv, sys as drv_sys, CudaContext, CudaFunction, CudaModule, CudaSlice, CudaStream,
    DevicePtr, DriverError, LaunchConfig, PushKernelArg,
};
use cudarc::nvrtc::Ptx;

use super::{Backend, Ceilings, DeviceInfo, PreparedRun, RunError};
use crate::data::{HostTensor, ProblemData};
use crate::kernels::Launch;
use crate::measure::{StoppingRule, Timings};
use crate::problem::{Dtype, Epilogue, Problem};
use crate::registry::{BackendKind, Variant};
pub use call::Operands;
use call::{Call, FixedArgs, Op};
use compile::{compile, nvrtc_unavailable, nvrtc_version, CompileRequest};
use vendor::{Cublas, LtPlan, WORKSPACE_BYTES};

/// The digest a dispatch table's validators hold for this build's kernels and `variants`.
pub fn kernel_sources_digest(variants: &[Variant]) -> String {
    crate::dispatch::sources_digest(compile::kernel_sources(), variants)
}

/// Errors after which the context can run nothing more (CUDA's "sticky" errors).
fn is_sticky(code: drv_sys::CUresult) -> bool {
    use drv_sys::cudaError_enum as E;
    matches!(
        code,
        E::CUDA_ERROR_ILLEGAL_ADDRESS
            | E::CUDA_ERROR_LAUNCH_FAILED
            | E::CUDA_ERROR_MISALIGNED_ADDRESS
            | E::CUDA_ERROR_ILLEGAL_INSTRUCTION
            | E::CUDA_ERROR_INVALID_ADDRESS_SPACE
            | E::CUDA_ERROR_INVALID_PC
            | E::CUDA_ERROR_HARDWARE_STACK_ERROR
            | E::CUDA_ERROR_ASSERT
            | E::CUDA_ERROR_LAUNCH_TIMEOUT
            | E::CUDA_ERROR_ECC_UNCORRECTABLE
            | E::CUDA_ERROR_CONTEXT_IS_DESTROYED
    )
}

fn driver_error(what: &str, e: DriverError) -> RunError {
    RunError {
        message: format!("{what}: {e}"),
        fatal: is_sticky(e.0),
    }
}

/// Why this machine cannot run the CUDA backend, checked without creating anything that could
/// abort the process (cudarc panics when libcuda is absent).
pub fn unavailable() -> Option<String> {
    // SAFETY: only probes whether the shared libraries can be opened.
    if !unsafe { drv_sys::is_culib_present() } {
        return Some("no NVIDIA driver: libcuda.so.1 was not found by the loader".into());
    }
    match CudaContext::device_count() {
        Err(e) => return Some(format!("the CUDA driver did not initialise: {e}")),
        Ok(0) => return Some("the CUDA driver sees no device".into()),
        Ok(_) => {}
    }
    // SAFETY: as above.
    if !unsafe { cudarc::cublas::sys::is_culib_present() } {
        return Some("libcublas (CUDA 13) was not found by the loader".into());
    }
    // SAFETY: as above.
    if !unsafe { cudarc::cublaslt::sys::is_culib_present() } {
        return Some("libcublasLt (CUDA 13) was not found by the loader".into());
    }
    nvrtc_unavailable()
}

/// A fresh context on device 0 and a stream of it (not the legacy stream, which cannot be
/// captured into a graph), with cudarc's event tracking off: skinny orders its work on the one
/// stream itself, so every launch is one driver call and buffer pointers can be taken inside a
/// capture.
pub fn new_stream() -> Result<Arc<CudaStream>, String> {
    if let Some(why) = unavailable() {
        return Err(why);
    }
    let ctx = CudaContext::new(0).map_err(|e| format!("creating a CUDA context: {e}"))?;
    // SAFETY: called before any stream or buffer of the context exists.
    unsafe { ctx.disable_event_tracking() };
    ctx.new_stream()
        .map_err(|e| format!("creating a stream: {e}"))
}

/// A buffer's device address, for kernel arguments and graph nodes (cudarc's event tracking is
/// off, see `new_stream`, so taking it records nothing on `stream`).
pub(super) fn device_ptr<T>(stream: &CudaStream, buffer: &CudaSlice<T>) -> u64 {
    buffer.device_ptr(stream).0
}

/// Facts read off the device once.
#[derive(Clone, Debug)]
struct DeviceFacts {
    name: String,
    compute_capability: (i32, i32),
    sm_count: u32,
    l2_bytes: u64,
    /// Shared memory a block may opt in to, and what a SM has for all its blocks.
    shared_per_block_optin: u32,
    shared_per_sm: u32,
    memory_bytes: u64,
    driver_version: i32,
    nvrtc_version: (i32, i32),
}

/// The backend's own kernels, compiled per dtype (only the bias add depends on it).
#[derive(Clone)]
struct Helpers {
    empty: CudaFunction,
    spin: CudaFunction,
    /// The read kernel with loads not allocated in L1.
    read_bandwidth: CudaFunction,
    /// The read kernel with plain (`__ldg`) loads.
    read_bandwidth_l1: CudaFunction,
    bias_add: CudaFunction,
    fill_uniform: CudaFunction,
}

/// The persistent chain kernel, compiled, with its launch and ring (`persistent_chain`).
pub(crate) struct PersistentKernel {
    pub func: CudaFunction,
    pub config: LaunchConfig,
    pub stages: u32,
    pub stage_bytes: u32,
}

pub struct CudaBackend {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    facts: DeviceFacts,
    arch: String,
    /// Loaded modules by the compile request's options and file: compile and load once.
    modules: HashMap<String, Arc<CudaModule>>,
    helpers: HashMap<Dtype, Helpers>,
    /// Shared with dispatch plans, which may outlive the backend.
    cublas: Option<Rc<Cublas>>,
    /// Shared by cuBLAS and cuBLASLt; they never run concurrently on the one stream. Plans that
    /// use it hold a reference, so it outlives every handle that points at it.
    workspace: Arc<CudaSlice<u8>>,
    cublas_version: Option<i32>,
    /// Set after a sticky error: nothing more can run in this context.
    poisoned: Option<String>,
}

impl CudaBackend {
    pub fn open() -> Result<CudaBackend, String> {
        CudaBackend::on_stream(new_stream()?)
    }

    /// A backend on the caller's stream (and its context): how the dispatcher lives inside an
    /// application that owns its CUDA state.
    pub fn on_stream(stream: Arc<CudaStream>) -> Result<CudaBackend, String> {
        if let Some(why) = nvrtc_unavailable() {
            return Err(why);
        }
        let ctx = stream.context().clone();
        let attr = |a| {
            ctx.attribute(a)
                .map_err(|e| format!("reading a device attribute: {e}"))
        };
        use drv_sys::CUdevice_attribute as A;
        let mut driver_version = 0;
        // SAFETY: a valid out-pointer.
        let _ = unsafe { drv_sys::cuDriverGetVersion(&mut driver_version) };
        let facts = DeviceFacts {
            name: ctx
                .name()
                .map_err(|e| format!("reading the device name: {e}"))?,
            compute_capability: (
                attr(A::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)?,
                attr(A::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)?,
            ),
            sm_count: attr(A::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)? as u32,
            l2_bytes: attr(A::CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE)? as u64,
            shared_per_block_optin: attr(A::CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)?
                as u32,
            shared_per_sm: attr(A::CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR)?
                as u32,
            memory_bytes: ctx
                .total_mem()
                .map_err(|e| format!("reading memory size: {e}"))? as u64,
            driver_version,
            nvrtc_version: nvrtc_version()?,
        };
        let arch = format!(
            "sm_{}{}",
            facts.compute_capability.0, facts.compute_capability.1
        );
        // SAFETY: the workspace is only ever written by cuBLAS / cuBLASLt.
        let workspace = unsafe { stream.alloc::<u8>(WORKSPACE_BYTES) }
            .map_err(|e| format!("allocating the cuBLAS workspace: {e}"))?;
        Ok(CudaBackend {
            ctx,
            stream,
            facts,
            arch,
            modules: HashMap::new(),
            helpers: HashMap::new(),
            cublas: None,
            workspace: Arc::new(workspace),
            cublas_version: None,
            poisoned: None,
        })
    }

    fn check_alive(&self) -> Result<(), RunError> {
        match &self.poisoned {
            Some(why) => Err(RunError {
                message: format!("the CUDA context is unusable after an earlier error: {why}"),
                fatal: true,
            }),
            None => Ok(()),
        }
    }

    fn module(&mut self, request: &CompileRequest) -> Result<Arc<CudaModule>, RunError> {
        let key = format!("{}|{:?}", request.file, request.defines);
        if let Some(m) = self.modules.get(&key) {
            return Ok(m.clone());
        }
        let compiled = compile(request).map_err(RunError::new)?;
        let module = self
            .ctx
            .load_module(Ptx::from_binary(compiled.cubin))
            .map_err(|e| driver_error(&format!("loading {}", request.file), e))?;
        self.modules.insert(key, module.clone());
        Ok(module)
    }

    fn function(
        &mut self,
        request: &CompileRequest,
        entry: &str,
    ) -> Result<CudaFunction, RunError> {
        self.module(request)?
            .load_function(entry)
            .map_err(|e| driver_error(&format!("finding {entry} in {}", request.file), e))
    }

    fn helpers(&mut self, dtype: Dtype) -> Result<Helpers, RunError> {
        if let Some(h) = self.helpers.get(&dtype) {
            return Ok(h.clone());
        }
        let request = kernels::aux_request(dtype, &self.arch);
        let helpers = Helpers {
            empty: self.function(&request, "skinny_empty")?,
            spin: self.function(&request, "skinny_spin")?,
            read_bandwidth: self.function(&request, "skinny_read_bandwidth")?,
            read_bandwidth_l1: self.function(&request, "skinny_read_bandwidth_l1")?,
            bias_add: self.function(&request, "skinny_bias_add")?,
            fill_uniform: self.function(&request, "skinny_fill_uniform")?,
        };
        self.helpers.insert(dtype, helpers.clone());
        Ok(helpers)
    }

    /// The kernel that holds a stream while the host enqueues timed work behind it.
    pub(crate) fn spin_kernel(&mut self) -> Result<CudaFunction, RunError> {
        Ok(self.helpers(Dtype::Bf16)?.spin)
    }

    /// The read-bandwidth kernel with loads not allocated in L1 (`timing::launch_read` launches
    /// it).
    pub(crate) fn read_kernel(&mut self) -> Result<CudaFunction, RunError> {
        Ok(self.helpers(Dtype::Bf16)?.read_bandwidth)
    }

    /// Fill `count` elements at `ptr` with values uniform on ±`scale` from a hash of `seed`.
    pub(crate) fn fill_uniform(
        &mut self,
        dtype: Dtype,
        ptr: u64,
        count: u64,
        seed: u64,
        scale: f32,
    ) -> Result<(), RunError> {
        let func = self.helpers(dtype)?.fill_uniform;
        let config = LaunchConfig {
            grid_dim: (4 * self.facts.sm_count, 1, 1),
            block_dim: (256, 1, 1),
            shared_mem_bytes: 0,
        };
        let mut launch = self.stream.launch_builder(&func);
        launch.arg(&ptr).arg(&count).arg(&seed).arg(&scale);
        // SAFETY: skinny_fill_uniform(elem_t*, u64, u64, float) over `count` elements of a live
        // allocation (the caller's promise).
        unsafe { launch.launch(config) }
            .map(|_| ())
            .map_err(|e| driver_error("launching the fill kernel", e))
    }

    /// `skinny decode`'s persistent chain kernel at `dtype` for rows of up to `max_k` elements,
    /// and its launch: one block a SM of `PERSISTENT_CONSUMER_WARPS` consumer warps and a
    /// producer warp, with as many ring stages as the block's shared memory holds next to x
    /// (`max_k` 16-bit values), or `max_stages` if fewer. The kernel needs every block resident
    /// (it is launched cooperatively); the occupancy API is asked first.
    pub(crate) fn persistent_chain(
        &mut self,
        dtype: Dtype,
        max_k: usize,
        max_stages: Option<u32>,
    ) -> Result<PersistentKernel, RunError> {
        let threads = 32 * (kernels::PERSISTENT_CONSUMER_WARPS + 1);
        let stage_bytes = kernels::PERSISTENT_STAGE_BYTES;
        let row_bytes = max_k * dtype.size_bytes() as usize;
        if row_bytes > stage_bytes as usize {
            return Err(RunError::new(format!(
                "rows of {max_k} elements ({row_bytes} bytes) do not fit a ring stage of \
                 {stage_bytes} bytes"
            )));
        }
        // x, as it is, next to the ring.
        let x_bytes = row_bytes.next_multiple_of(16) as u32;
        let guard_s = kernels::wait_guard_s().map_err(RunError::new)?;
        let request = kernels::persistent_request(dtype, &self.arch, guard_s);
        let func = self.function(&request, kernels::PERSISTENT_ENTRY)?;
        // The kernel's static shared memory (mbarriers, partial sums, biases) comes out of the
        // same budget.
        let static_bytes = func
            .shared_size_bytes()
            .map_err(|e| driver_error("asking the persistent kernel's static shared memory", e))?
            as u32;
        let budget = self
            .facts
            .shared_per_block_optin
            .saturating_sub(x_bytes + static_bytes);
        let stages = (budget / stage_bytes)
            .min(kernels::PERSISTENT_MAX_STAGES)
            .min(kernels::PERSISTENT_CONSUMER_WARPS)
            .min(max_stages.unwrap_or(u32::MAX));
        if stages < 2 {
            return Err(RunError::new(format!(
                "a ring of two {stage_bytes}-byte stages, {x_bytes} bytes of x and {static_bytes} \
                 static bytes do not fit a block's shared memory ({} bytes)",
                self.facts.shared_per_block_optin
            )));
        }
        let shared = stages * stage_bytes + x_bytes;
        allow_dynamic_shared(&func, shared, "the persistent chain kernel")?;
        let fits = func
            .occupancy_max_active_blocks_per_multiprocessor(threads, shared as usize, None)
            .map_err(|e| driver_error("asking the occupancy of the persistent kernel", e))?;
        if fits == 0 {
            return Err(RunError::new(format!(
                "the persistent chain kernel does not fit a SM with {shared} bytes of shared \
                 memory"
            )));
        }
        Ok(PersistentKernel {
            func,
            config: LaunchConfig {
                grid_dim: (self.facts.sm_count, 1, 1),
                block_dim: (threads, 1, 1),
                shared_mem_bytes: shared,
            },
            stages,
            stage_bytes,
        })
    }

    fn ptr(&self, buffer: &CudaSlice<u8>) -> u64 {
        device_ptr(&self.stream, buffer)
    }

    fn cublas(&mut self) -> Result<Rc<Cublas>, RunError> {
        if self.cublas.is_none() {
            let workspace = self.ptr(&self.workspace);
            let cublas =
                Cublas::new(self.stream.cu_stream() as _, workspace).map_err(RunError::new)?;
            self.cublas_version = Some(cublas.version());
            self.cublas = Some(Rc::new(cublas));
        }
        Ok(self.cublas.clone().expect("created above"))
    }

    fn upload(&self, bytes: &[u8]) -> Result<CudaSlice<u8>, RunError> {
        self.stream
            .clone_htod(bytes)
            .map_err(|e| driver_error("copying to the device", e))
    }

    /// Copies of a slot of `slot_bytes` that together exceed 3× the L2, so that rotating among
    /// them reads HBM.
    fn weight_copies(&self, slot_bytes: u64) -> usize {
        let wanted = (3 * self.facts.l2_bytes).div_ceil(slot_bytes.max(1)) + 1;
        wanted.clamp(1, 4096) as usize
    }
}

/// Where the operands that rotate live in one copy of a run's weights: W at the slot's start,
/// then the bias (when the problem has one), each at a 256-byte aligned offset. A call on copy
/// `c` reads slot `c`, so a cold call reads its bias from HBM as well as its W, as each layer of
/// a decode chain does. (Until the twenty-third session one bias served every copy and stayed in
/// L2, which hid what a cold bias costs.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CopySlot {
    /// Bytes from one copy's W to the next's.
    stride: u64,
    /// The bias's offset from its copy's W.
    bias_offset: Option<u64>,
}

impl CopySlot {
    fn new(weight_bytes: u64, bias_bytes: Option<u64>) -> Self {
        let w = weight_bytes.next_multiple_of(256);
        match bias_bytes {
            Some(b) => CopySlot {
                stride: w + b.next_multiple_of(256),
                bias_offset: Some(w),
            },
            None => CopySlot {
                stride: w,
                bias_offset: None,
            },
        }
    }
}

/// Device buffers of one prepared run. The weight copies (each W with its bias, as `CopySlot`
/// lays them out) live in one allocation.
struct Buffers {
    x: CudaSlice<u8>,
    weights: CudaSlice<u8>,
    slot: CopySlot,
    copies: usize,
    y: CudaSlice<u8>,
    /// A split-K kernel's partial sums and tile counters (zeroed once; the kernel re-zeroes the
    /// counters), when it has more than one split. Only held: the call has its address.
    _scratch: Option<CudaSlice<u8>>,
}

pub struct CudaRun<'a> {
    backend: &'a mut CudaBackend,
    call: Call,
    /// The operands of a call on weight copy 0, fixed at prepare time (copy `c` adds
    /// `c · slot.stride` to `w` and to `bias`).
    operands: Operands,
    /// The queue-holding kernel the timing uses.
    spin: CudaFunction,
    buffers: Buffers,
    /// What y is reset to before the verification run: NaN, or the input y for axpby.
    y_start: Vec<u8>,
    /// The variant, for its PDL build ([`CudaRun::pdl_call`]).
    variant: Variant,
}

impl CudaRun<'_> {
    /// Issue one call on weight copy `copy`. No allocation, no synchronisation.
    fn launch(&self, copy: usize) -> Result<(), RunError> {
        self.launch_call(&self.call, copy)
    }

    /// Issue `call` (this run's call or another build of it for the same problem) on weight
    /// copy `copy`.
    fn launch_call(&self, call: &Call, copy: usize) -> Result<(), RunError> {
        let shift = copy as u64 * self.buffers.slot.stride;
        let operands = Operands {
            w: self.operands.w + shift,
            bias: match self.operands.bias {
                0 => 0,
                bias => bias + shift,
            },
            ..self.operands
        };
        // SAFETY: the buffers were made for this problem in `prepare`; `call` is for the same
        // problem (checked by the callers that pass another).
        unsafe {
            call.launch(
                &self.backend.stream,
                self.backend.cublas.as_deref(),
                operands,
            )
        }
    }

    /// y after one call on copy 0 from the reset state: of this run's call, or of `other`.
    fn output_of(&mut self, other: Option<&Call>) -> Result<Vec<u8>, RunError> {
        let stream = self.backend.stream.clone();
        stream
            .memcpy_htod(&self.y_start, &mut self.buffers.y)
            .map_err(|e| driver_error("resetting y", e))?;
        match other {
            Some(call) => self.launch_call(call, 0)?,
            None => self.launch(0)?,
        }
        self.sync("running the variant")?;
        stream
            .clone_dtoh(&self.buffers.y)
            .map_err(|e| driver_error("copying y back", e))
    }

    /// The variant's PDL build (compiled with its wait on the kernel before, launched with the
    /// attribute), once its y on copy 0 has matched the plain build's, which the probe checked
    /// against the reference; `None` for a vendor call, which has no such build.
    pub(super) fn pdl_call(&mut self) -> Result<Option<PreparedCall>, RunError> {
        if self.variant.is_vendor() {
            return Ok(None);
        }
        let problem = self.call.problem;
        let variant = self.variant.clone();
        let pdl = self.backend.prepare_call(&variant, &problem, true)?;
        let plain = self.output_of(None)?;
        let got = self.output_of(Some(&pdl.call))?;
        if got != plain {
            // Not bit for bit: then within the dtype's bound of it.
            let dtype = problem.dtype();
            let as_f64 = |b: &[u8]| HostTensor::from_bytes(dtype, b).to_f64();
            let report =
                crate::reference::compare(&as_f64(&got), &as_f64(&plain), problem.n(), dtype);
            if !report.passed {
                return Err(RunError::new(format!(
                    "the PDL build's y differs from the plain build's: relative error {:.1e}",
                    report.rel_frobenius
                )));
            }
        }
        Ok(Some(pdl))
    }

    fn sync(&self, what: &str) -> Result<(), RunError> {
        self.backend
            .stream
            .synchronize()
            .map_err(|e| driver_error(what, e))
    }

    /// Mark the backend unusable if `result` is a sticky error.
    fn watch<T>(&mut self, result: Result<T, RunError>) -> Result<T, RunError> {
        if let Err(e) = &result {
            if e.fatal {
                self.backend.poisoned = Some(e.message.clone());
            }
        }
        result
    }
}

impl PreparedRun for CudaRun<'_> {
    fn run_once(&mut self) -> Result<HostTensor, RunError> {
        let result = (|| {
            let stream = self.backend.stream.clone();
            stream
                .memcpy_htod(&self.y_start, &mut self.buffers.y)
                .map_err(|e| driver_error("resetting y", e))?;
            self.launch(0)?;
            self.sync("running the variant")?;
            let bytes = stream
                .clone_dtoh(&self.buffers.y)
                .map_err(|e| driver_error("copying y back", e))?;
            Ok(HostTensor::from_bytes(self.call.problem.dtype(), &bytes))
        })();
        self.watch(result)
    }

    fn measure(&mut self, rule: &StoppingRule) -> Result<Timings, RunError> {
        let copies = self.buffers.copies;
        let result = timing::measure_all(self, copies, rule);
        self.watch(result)
    }
}

impl Backend for CudaBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cuda
    }

    fn cannot_run(&self, variant: &Variant) -> Option<String> {
        kernels::unbuildable_on(variant, &self.arch)
    }

    fn device(&self) -> DeviceInfo {
        let f = &self.facts;
        let mut details = BTreeMap::new();
        details.insert(
            "compute_capability".into(),
            format!("{}.{}", f.compute_capability.0, f.compute_capability.1),
        );
        details.insert("sms".into(), f.sm_count.to_string());
        details.insert("l2_bytes".into(), f.l2_bytes.to_string());
        details.insert("memory_bytes".into(), f.memory_bytes.to_string());
        details.insert(
            "driver_cuda_version".into(),
            format!(
                "{}.{}",
                f.driver_version / 1000,
                (f.driver_version % 1000) / 10
            ),
        );
        details.insert(
            "nvrtc_version".into(),
            format!("{}.{}", f.nvrtc_version.0, f.nvrtc_version.1),
        );
        details.insert("arch".into(), self.arch.clone());
        if let Some(v) = self.cublas_version {
            details.insert("cublas_version".into(), v.to_string());
        }
        DeviceInfo {
            backend: BackendKind::Cuda,
            name: f.name.clone(),
            details,
        }
    }

    fn measure_ceilings(
        &mut self,
        rule: &StoppingRule,
        read_sizes: &[u64],
    ) -> Result<Ceilings, RunError> {
        self.check_alive()?;
        let helpers = self.helpers(Dtype::Bf16)?;
        timing::ceilings(self, &helpers, rule, read_sizes)
    }

    fn prepare<'a>(
        &'a mut self,
        variant: &Variant,
        data: &ProblemData,
    ) -> Result<Box<dyn PreparedRun + 'a>, RunError> {
        self.check_alive()?;
        let problem = data.problem;
        let dtype = problem.dtype();
        let helpers = self.helpers(dtype)?;

        let w = data.w.as_bytes();
        let bias = data.bias.as_ref().map(|b| b.as_bytes());
        let slot = CopySlot::new(w.len() as u64, bias.map(|b| b.len() as u64));
        let copies = self.weight_copies(slot.stride);
        // SAFETY: every copy is written below before any kernel reads it.
        let weights = unsafe { self.stream.alloc::<u8>(slot.stride as usize * copies) }
            .map_err(|e| driver_error("allocating the weight copies", e))?;
        let base = self.ptr(&weights);
        // SAFETY: slot 0's W is `w.len()` bytes at the start of the allocation.
        unsafe { drv::memcpy_htod_async(base, w, self.stream.cu_stream()) }
            .map_err(|e| driver_error("copying W to the device", e))?;
        if let (Some(bias), Some(offset)) = (bias, slot.bias_offset) {
            // SAFETY: as above: `offset + bias.len()` is inside slot 0.
            unsafe { drv::memcpy_htod_async(base + offset, bias, self.stream.cu_stream()) }
                .map_err(|e| driver_error("copying the bias to the device", e))?;
        }
        for copy in 1..copies as u64 {
            // SAFETY: source and destination are distinct slots of the one allocation.
            unsafe {
                drv::memcpy_dtod_async(
                    base + copy * slot.stride,
                    base,
                    slot.stride as usize,
                    self.stream.cu_stream(),
                )
            }
            .map_err(|e| driver_error("copying W and the bias on the device", e))?;
        }
        let prepared = self.prepare_call(variant, &problem, false)?;
        let buffers = Buffers {
            x: self.upload(data.x.as_bytes())?,
            weights,
            slot,
            copies,
            y: self.upload(&vec![
                0u8;
                problem.m() * problem.n() * dtype.size_bytes() as usize
            ])?,
            _scratch: prepared.scratch,
        };
        let y_start = match (&problem.epilogue(), &data.y_in) {
            (Epilogue::Axpby { .. }, Some(y)) => y.as_bytes().to_vec(),
            _ => HostTensor::filled(dtype, problem.m() * problem.n(), f32::NAN)
                .as_bytes()
                .to_vec(),
        };
        let b = &buffers;
        let operands = Operands {
            x: self.ptr(&b.x),
            w: self.ptr(&b.weights),
            y: self.ptr(&b.y),
            bias: b
                .slot
                .bias_offset
                .map_or(0, |offset| self.ptr(&b.weights) + offset),
        };
        Ok(Box::new(CudaRun {
            backend: self,
            call: prepared.call,
            operands,
            spin: helpers.spin.clone(),
            buffers,
            y_start,
            variant: variant.clone(),
        }))
    }
}

impl CudaBackend {
    /// How many blocks of `variant`'s grid for `problem` run at once on this GPU (blocks a SM,
    /// from the driver's occupancy of the compiled kernel, times SMs), for the dispatch rules'
    /// round model. None for a grid that is not one block per group of rows, or a variant that
    /// cannot be prepared here.
    pub(crate) fn block_slots(&mut self, variant: &Variant, problem: &Problem) -> Option<u64> {
        crate::kernels::rows_per_block(variant)?;
        let prepared = self.prepare_call(variant, problem, false).ok()?;
        let Op::Kernel { func, config, .. } = &prepared.call.op else {
            return None;
        };
        let per_sm = func
            .occupancy_max_active_blocks_per_multiprocessor(
                config.block_dim.0,
                config.shared_mem_bytes as usize,
                None,
            )
            .ok()?;
        Some(u64::from(per_sm) * u64::from(self.facts.sm_count))
    }
}

/// A call made ready for one problem, with the split-K workspace it owns (if any).
pub(crate) struct PreparedCall {
    pub call: Call,
    pub scratch: Option<CudaSlice<u8>>,
}

impl CudaBackend {
    /// Everything one call of `variant` on `problem` needs that is not the operands: the compiled
    /// kernel and its grid, a cuBLAS handle or a cuBLASLt plan, and the split-K workspace.
    /// `pdl`: compile the kernel with its programmatic-dependent-launch wait (launch it with
    /// the attribute then).
    pub(crate) fn prepare_call(
        &mut self,
        variant: &Variant,
        problem: &Problem,
        pdl: bool,
    ) -> Result<PreparedCall, RunError> {
        self.check_alive()?;
        let mut args = FixedArgs::new(problem);
        let mut scratch = None;
        let op = match variant.kernel.as_str() {
            "cublas_gemm" => {
                self.cublas()?;
                Op::Cublas
            }
            "cublas_gemm_bias" => {
                self.cublas()?;
                if problem.epilogue() != Epilogue::Bias {
                    return Err(RunError::new("cublas/gemm+bias runs bias problems only"));
                }
                Op::CublasThenBias {
                    bias_add: self.helpers(problem.dtype())?.bias_add,
                    config: LaunchConfig {
                        grid_dim: (((problem.m() * problem.n()).div_ceil(256)) as u32, 1, 1),
                        block_dim: (256, 1, 1),
                        shared_mem_bytes: 0,
                    },
                }
            }
            "cublaslt_matmul" => {
                let workspace = self.ptr(&self.workspace);
                let bias = problem.epilogue() == Epilogue::Bias;
                Op::Lt(LtPlan::new(problem, bias, workspace).map_err(RunError::new)?)
            }
            _ => {
                // One family lookup when the variant builds here; why not, only when it does not
                // (this architecture cannot build it, or no such family).
                let (request, source) =
                    kernels::variant_request(variant, problem.dtype(), &self.arch, pdl)
                        .ok_or_else(|| {
                            RunError::new(self.cannot_run(variant).unwrap_or_else(|| {
                                format!(
                                    "the CUDA backend has no kernel family '{}'",
                                    variant.kernel
                                )
                            }))
                        })?;
                let func = self.function(&request, source.entry_for(problem.epilogue()))?;
                let shape = launch_shape(source.launch, variant, problem, &self.facts)?;
                allow_dynamic_shared(&func, shape.config.shared_mem_bytes, &variant.id)?;
                allow_cluster(&func, shape.cluster_y, &variant.id)?;
                if let Some(tile) = shape.wgmma {
                    (args.w_box_rows, args.x_box_rows) = (tile.w_rows, tile.x_rows);
                }
                if let Some(split) = shape.split {
                    // Every split-K launch needs its chunk, one split or many; only several
                    // splits need the workspace (partials and tile counters).
                    args.k_chunk = split.k_chunk as i32;
                    if split.splits > 1 {
                        let buffer = self
                            .stream
                            .alloc_zeros::<u8>(split.scratch_bytes(problem) as usize)
                            .map_err(|e| driver_error("allocating the split-K workspace", e))?;
                        let base = self.ptr(&buffer);
                        args.partial = base;
                        args.counters = base + split.partial_bytes(problem);
                        scratch = Some(buffer);
                    }
                }
                Op::Kernel {
                    func,
                    config: shape.config,
                    launch: source.launch,
                    cluster_y: shape.cluster_y,
                }
            }
        };
        Ok(PreparedCall {
            call: Call {
                problem: *problem,
                op,
                args,
                pdl,
            },
            scratch,
        })
    }
}

/// How a split-K kernel divides K: `splits` blocks of `k_chunk` rows per column tile.
#[derive(Clone, Copy, Debug, PartialEq)]
struct SplitK {
    splits: u32,
    k_chunk: u32,
    col_tiles: u32,
}

impl SplitK {
    /// Split K so that the grid has about two blocks a SM, at most 32 splits, each a whole
    /// number of the block's k lanes and at least `min_rows` rows for each of them.
    fn choose(n: u32, k: u32, cols: u32, min_rows: u32, sm_count: u32) -> SplitK {
        let col_tiles = n.div_ceil(cols);
        let k_lanes = 256 / (cols / 8);
        let wanted = (2 * sm_count).div_ceil(col_tiles).clamp(1, 32);
        let k_chunk = k
            .div_ceil(wanted)
            .max(min_rows * k_lanes)
            .next_multiple_of(k_lanes);
        SplitK {
            splits: k.div_ceil(k_chunk),
            k_chunk,
            col_tiles,
        }
    }

    /// gemv_wgmma's split: tiles of `tile_rows` rows, K in whole 64-element boxes, split only while the
    /// row tiles alone give fewer than `target` blocks (a split costs a pass over f32 partials),
    /// at most 32 splits and none empty.
    fn for_row_tiles(n: u32, k: u32, tile_rows: u32, target: u32) -> SplitK {
        let col_tiles = n.div_ceil(tile_rows);
        let boxes = k.div_ceil(WGMMA_BOX_K).max(1);
        let wanted = (target / col_tiles).clamp(1, 32).min(boxes);
        let k_chunk = boxes.div_ceil(wanted) * WGMMA_BOX_K;
        SplitK {
            splits: k.max(1).div_ceil(k_chunk),
            k_chunk,
            col_tiles,
        }
    }

    fn partial_bytes(&self, problem: &Problem) -> u64 {
        (self.splits as u64 * problem.m() as u64 * problem.n() as u64 * 4).next_multiple_of(256)
    }

    fn scratch_bytes(&self, problem: &Problem) -> u64 {
        self.partial_bytes(problem) + 4 * self.col_tiles as u64
    }
}

/// The k of one gemv_wgmma box: a 128-byte swizzle row of 16-bit elements (wgmma.cu's BOX_K).
const WGMMA_BOX_K: u32 = 64;

/// gemv_wgmma's boxes as wgmma.cu compiles them from the same parameters: W's box rows (its
/// TILE_ROWS: 64 a ROW_BLOCKS), x's (its X_ROWS: wgmma's N, 8 or 16) and the ring's STAGES. The
/// tensor maps and the ring must agree with the kernel exactly: a box of other rows than the
/// kernel expects never completes its stage's byte count, and the block would wait for ever.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct WgmmaTile {
    w_rows: u32,
    x_rows: u32,
    stages: u32,
}

impl WgmmaTile {
    fn of(variant: &Variant) -> WgmmaTile {
        let int = |name: &str, default: i64| variant.int_param(name).unwrap_or(default) as u32;
        WgmmaTile {
            w_rows: 64 * int("ROW_BLOCKS", 1),
            x_rows: if int("MAX_M", 8) > 8 { 16 } else { 8 },
            stages: int("STAGES", 4),
        }
    }

    /// Dynamic shared memory: the stages, and 1024 bytes to align the ring to the swizzle's
    /// 1024-byte pattern.
    fn ring_bytes(self) -> u32 {
        self.stages * (self.w_rows + self.x_rows) * WGMMA_BOX_K * 2 + 1024
    }
}

/// Room a ring kernel (gemv_bulk) keeps beside its stages: its static barriers and sums (at most
/// 8 KB at MAX_M = 16) and the 1 KB the hardware reserves a block.
const RING_STATIC_SHARED: u32 = 9 * 1024;

/// Opt `func` in to `bytes` of dynamic shared memory. Done for any amount: the 48 KB a block may
/// use without opting in counts static shared memory too, so 48 KB of ring beside 4 KB of sums
/// failed to launch (fifteenth session, call 1).
fn allow_dynamic_shared(func: &CudaFunction, bytes: u32, what: &str) -> Result<(), RunError> {
    if bytes == 0 {
        return Ok(());
    }
    func.set_attribute(
        drv_sys::CUfunction_attribute::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
        bytes as i32,
    )
    .map_err(|e| {
        driver_error(
            &format!("allowing {what} {bytes} bytes of dynamic shared memory"),
            e,
        )
    })
}

/// Blocks a thread-block cluster may hold without opting in.
const PORTABLE_CLUSTER: u32 = 8;

/// Opt `func` in to clusters of `blocks` where that is above the portable size.
fn allow_cluster(func: &CudaFunction, blocks: u32, what: &str) -> Result<(), RunError> {
    if blocks <= PORTABLE_CLUSTER {
        return Ok(());
    }
    func.set_attribute(
        drv_sys::CUfunction_attribute::CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED,
        1,
    )
    .map_err(|e| driver_error(&format!("allowing {what} clusters of {blocks} blocks"), e))
}

struct LaunchShape {
    config: LaunchConfig,
    split: Option<SplitK>,
    /// Blocks a thread-block cluster along y (1: no cluster).
    cluster_y: u32,
    /// The tensor-map boxes (`Launch::TensorMapTiles`), which the call's maps must match.
    wgmma: Option<WgmmaTile>,
}

/// Shared memory of a gemv_mma_ring block (mma_ring.cu): the per-warp ring of STAGES steps,
/// each (TILES + x parts)·SPAN·512 bytes (x parts: 2 when MAX_M > 8, 1 otherwise, none with
/// XRES); with XRES, x whole (16 or 8 rows of k rounded up to 8·SPAN vectors, the kernel's
/// x_stride); and the static partial sums, [1, or 2 with XRES][WARPS][8·TILES][16] floats.
#[derive(Clone, Copy, Debug, PartialEq)]
struct RingBytes {
    ring: u32,
    x: u32,
    partial: u32,
    /// XRES: blocks a SM that walk the row tiles (0: a block a tile, x through the ring).
    resident: u32,
}

impl RingBytes {
    /// `None` for a variant without a ring (no STAGES parameter).
    fn of(variant: &Variant, k: u32) -> Option<RingBytes> {
        let stages = variant.int_param("STAGES")? as u32;
        let param = |name: &str, default: i64| variant.int_param(name).unwrap_or(default) as u32;
        let (warps, tiles, span) = (param("WARPS", 4), param("TILES", 1), param("SPAN", 2));
        let sixteen_rows = param("MAX_M", 16) > 8;
        let resident_blocks = param("XRES", 0);
        let resident = resident_blocks > 0;
        let x_parts = match (resident, sixteen_rows) {
            (true, _) => 0,
            (false, true) => 2,
            (false, false) => 1,
        };
        // In u64: x grows with k (the registry makes XRES variants claim a k_max; a k past it
        // must fail the fit check below, not wrap).
        let x = if resident {
            let rows: u64 = if sixteen_rows { 16 } else { 8 };
            let stride = u64::from((k / 8).div_ceil(8 * span) * (8 * span));
            u32::try_from(rows * stride * 16).unwrap_or(u32::MAX)
        } else {
            0
        };
        Some(RingBytes {
            ring: warps * stages * (tiles + x_parts) * span * 512,
            x,
            partial: if resident { 2 } else { 1 } * warps * 8 * tiles * 16 * 4,
            resident: resident_blocks,
        })
    }

    /// What the block needs: dynamic (ring and x) and static (partial sums).
    fn block(self) -> u32 {
        self.ring
            .saturating_add(self.x)
            .saturating_add(self.partial)
    }
}

/// Blocks a SM holds at once, by shared memory (1 KB a block is the system's) and threads; at
/// least one.
fn blocks_that_fit(facts: &DeviceFacts, shared_bytes: u32, threads: u32) -> u32 {
    (facts.shared_per_sm / (shared_bytes + 1024))
        .min(2048 / threads)
        .max(1)
}

/// The grid and block of a skinny kernel on `problem`, from its family's `Launch` and the
/// variant's parameters (defaults as in the kernel source).
fn launch_shape(
    launch: Launch,
    variant: &Variant,
    problem: &Problem,
    facts: &DeviceFacts,
) -> Result<LaunchShape, RunError> {
    let sm_count = facts.sm_count;
    let param = |name: &str, default: i64| variant.int_param(name).unwrap_or(default) as u32;
    let (m, n, k) = (problem.m() as u32, problem.n() as u32, problem.k() as u32);
    // A kernel built for at most MAX_M rows (MAX_N outputs) would read and write out of bounds
    // past it; the registry check makes this unreachable, so this is a second guard.
    for (name, value) in [("MAX_M", m), ("MAX_N", n)] {
        if let Some(most) = variant.int_param(name) {
            if value as i64 > most {
                return Err(RunError::new(format!(
                    "{} = {value} exceeds the kernel's {name} = {most} (the registry claims too much)",
                    &name[4..].to_lowercase()
                )));
            }
        }
    }
    let config = |grid: (u32, u32), threads: u32| LaunchConfig {
        grid_dim: (grid.0, grid.1, 1),
        block_dim: (threads, 1, 1),
        shared_mem_bytes: 0,
    };
    let mut split = None;
    let mut cluster_y = 1;
    let mut wgmma = None;
    let config = match launch {
        Launch::WarpPerOutput => {
            let threads = param("THREADS", 256);
            config((n.div_ceil(threads / 32), m), threads)
        }
        Launch::BlockPerRows => {
            let groups = n.div_ceil(param("ROWS", 1));
            let grid = match param("BLOCKS_PER_SM", 0) {
                0 => groups,
                per_sm => groups.min(per_sm * sm_count),
            };
            config((grid, 1), 32 * param("WARPS", 4))
        }
        Launch::RowTiles => {
            let (warps, tiles) = (param("WARPS", 4), param("TILES", 1));
            // The registry's kernels refuse a CHUNKS that does not divide 8 (static_assert).
            let tile_rows = crate::kernels::tile_rows(variant).unwrap_or(8) as u32;
            let mut c = config((n.div_ceil(tile_rows * tiles), 1), 32 * warps);
            // gemv_mma_ring's ring (gemv_mma has no STAGES: no ring), and with XRES x beside it.
            if let Some(bytes) = RingBytes::of(variant, k) {
                let block = bytes.block();
                if block > facts.shared_per_block_optin {
                    return Err(RunError::new(format!(
                        "{}: a ring of {} bytes, {} bytes of x and {} bytes of partial sums do not fit this GPU's shared memory ({} bytes a block; k = {k})",
                        variant.id, bytes.ring, bytes.x, bytes.partial, facts.shared_per_block_optin
                    )));
                }
                if bytes.resident > 0 {
                    // A grid past the blocks a SM holds at once would run a last wave of whole
                    // walks alone (sixteenth session, call 1: XRES = 3 where two fit took 84 µs
                    // for 60).
                    let fit = blocks_that_fit(facts, block, 32 * warps);
                    c.grid_dim.0 = c.grid_dim.0.min(bytes.resident.min(fit) * sm_count);
                }
                c.shared_mem_bytes = bytes.ring + bytes.x;
            }
            c
        }
        Launch::OutputTiles => config(
            (n.div_ceil(param("BN", 16)), m.div_ceil(param("BM", 16))),
            256,
        ),
        Launch::WarpPerRowOfX => {
            let warps = param("WARPS", 4);
            config((m.div_ceil(warps), 1), 32 * warps)
        }
        Launch::SplitKColumns => {
            let s = SplitK::choose(n, k, param("COLS", 128), param("MIN_ROWS", 1), sm_count);
            split = Some(s);
            config((s.col_tiles, s.splits), 256)
        }
        Launch::ClusterColumns => {
            cluster_y = param("CLUSTER", 8);
            config((n.div_ceil(param("COLS", 128)), cluster_y), 256)
        }
        Launch::TensorMapTiles => {
            // Splits aim at BLOCKS_PER_SM blocks a SM, but never past what fits at once: a
            // second wave of blocks would run alone.
            let tile = WgmmaTile::of(variant);
            wgmma = Some(tile);
            let ring = tile.ring_bytes();
            // The warpgroup, and a producer warp with PRODUCER.
            let producer = variant.bool_param("PRODUCER") == Some(true);
            let threads = 128 + 32 * producer as u32;
            let per_sm = param("BLOCKS_PER_SM", 4).min(blocks_that_fit(facts, ring, threads));
            let s = SplitK::for_row_tiles(n, k, tile.w_rows, per_sm * sm_count);
            split = Some(s);
            let mut c = config((s.col_tiles, s.splits), threads);
            c.shared_mem_bytes = ring;
            if c.shared_mem_bytes > facts.shared_per_block_optin {
                return Err(RunError::new(format!(
                    "{}: a ring of {} bytes does not fit this GPU's shared memory ({} bytes a block)",
                    variant.id, c.shared_mem_bytes, facts.shared_per_block_optin
                )));
            }
            c
        }
        Launch::MachineRows => {
            let per_sm = param("BLOCKS_PER_SM", 1);
            let ring = param("STAGES", 6) * param("STAGE_BYTES", 32768);
            let block = ring + RING_STATIC_SHARED;
            if block > facts.shared_per_block_optin || per_sm * block > facts.shared_per_sm {
                return Err(RunError::new(format!(
                    "{}: {per_sm} block(s) a SM of {ring} bytes of stages (and {RING_STATIC_SHARED} beside) do not fit this GPU's shared memory ({} bytes a block, {} a SM)",
                    variant.id, facts.shared_per_block_optin, facts.shared_per_sm
                )));
            }
            let mut c = config((n.min(per_sm * sm_count), 1), 32 * param("WARPS", 8));
            c.shared_mem_bytes = ring;
            c
        }
    };
    Ok(LaunchShape {
        config,
        split,
        cluster_y,
        wgmma,
    })
}

/// Launch an argument-free helper kernel.
fn launch_plain(
    stream: &CudaStream,
    func: &CudaFunction,
    config: LaunchConfig,
) -> Result<(), RunError> {
    let mut launch = stream.launch_builder(func);
    // SAFETY: the helper takes no arguments.
    unsafe { launch.launch(config) }
        .map(|_| ())
        .map_err(|e| driver_error("launching a helper kernel", e))
}

/// Hold the stream for `ns` nanoseconds.
fn launch_spin(stream: &CudaStream, spin: &CudaFunction, ns: u64) -> Result<(), RunError> {
    let mut launch = stream.launch_builder(spin);
    launch.arg(&ns);
    // SAFETY: skinny_spin(u64 ns).
    unsafe { launch.launch(LaunchConfig::for_num_elems(1)) }
        .map(|_| ())
        .map_err(|e| driver_error("launching the spin kernel", e))
}

#[cfg(test)]
mod tests {
    use super::{CopySlot, RingBytes, SplitK, WgmmaTile};
    use crate::registry::{ParamValue, Registry};

    /// The H200's shared memory a block may opt in to (cuDeviceGetAttribute, sm_90).
    const H200_SHARED_PER_BLOCK: u32 = 232_448;

    #[test]
    fn each_weight_copy_holds_its_own_bias_past_an_aligned_w() {
        // qwen's qkv: W 1152×896 bf16 (a multiple of 256 bytes), bias 1152 × 2 bytes.
        let qkv = CopySlot::new(1152 * 896 * 2, Some(1152 * 2));
        assert_eq!(qkv.bias_offset, Some(2_064_384));
        assert_eq!(qkv.stride, 2_064_384 + 2_304);
        // Ragged sizes round up, so every copy's W and bias start 256-byte aligned.
        let ragged = CopySlot::new(1000, Some(10));
        assert_eq!(
            (ragged.stride, ragged.bias_offset),
            (256 * 4 + 256, Some(1024))
        );
        assert_eq!(ragged.stride % 256, 0);
        // Without a bias a slot is W alone, as before.
        assert_eq!(
            CopySlot::new(1000, None),
            CopySlot {
                stride: 1024,
                bias_offset: None
            }
        );
    }

    #[test]
    fn ring_sizes_follow_the_kernel_layout_and_registered_rings_fit_at_their_k_max() {
        let registry = Registry::embedded().unwrap();
        let variant = |id: &str| registry.variants.iter().find(|v| v.id == id).unwrap();
        // 4 warps × 6 steps × (2 tiles + 1 x part) × 2 vectors × 512 B; 4 × 16 rows × 16 floats.
        let m8 = RingBytes::of(variant("ring/m8_w4t2s2x6_rl"), 4096).unwrap();
        assert_eq!((m8.ring, m8.x, m8.partial), (73_728, 0, 4096));
        // 8 warps × 5 × 2 tiles × 2 × 512 B (no x parts), x: 16 rows × 512 vectors × 16 B,
        // partial sums twice (one per tile parity).
        let xres = RingBytes::of(variant("xres/m16_w8t2s2x5"), 4096).unwrap();
        assert_eq!((xres.ring, xres.x, xres.partial), (81_920, 131_072, 16_384));
        // x rows padded to whole steps of 8·SPAN vectors: k = 1000 is 125 vectors, 128 stored.
        assert_eq!(
            RingBytes::of(variant("xres/m16_w8t2s2x5"), 1000).unwrap().x,
            16 * 128 * 16
        );
        assert!(RingBytes::of(variant("mma/m8_k8"), 4096).is_none());
        // A k far past any claim saturates (and fails the fit check) instead of wrapping.
        let huge = RingBytes::of(variant("xres/m16_w8t2s2x5"), u32::MAX).unwrap();
        assert_eq!(huge.block(), u32::MAX);
        let mut rings = 0;
        for v in registry
            .variants
            .iter()
            .filter(|v| v.kernel == "gemv_mma_ring")
        {
            let k = v.supports.k_max.unwrap_or(1 << 20) as u32;
            let bytes = RingBytes::of(v, k).unwrap();
            assert!(
                bytes.block() <= H200_SHARED_PER_BLOCK,
                "{} needs {bytes:?} at k = {k}: its claims outrun the H200",
                v.id
            );
            rings += 1;
        }
        assert!(rings >= 7, "only {rings} ring variants registered");
    }

    #[test]
    fn split_k_fills_the_machine_and_covers_k_exactly_once() {
        for (n, k, cols, min_rows) in [
            (896u32, 4864u32, 128u32, 1u32),
            (136, 4096, 128, 1),
            (264, 1000, 128, 1),
            (4096, 14336, 128, 1),
            (128_256, 4096, 256, 1),
            (8, 8, 64, 1),
            (896, 1, 128, 1),
            (896, 896, 128, 8),
            (896, 4864, 128, 8),
        ] {
            let s = SplitK::choose(n, k, cols, min_rows, 132);
            let k_lanes = 256 / (cols / 8);
            assert_eq!(s.col_tiles, n.div_ceil(cols));
            assert_eq!(s.k_chunk % k_lanes, 0, "{n}×{k}: {s:?}");
            // Every k row in exactly one split, no empty split.
            assert!(
                s.splits * s.k_chunk >= k && (s.splits - 1) * s.k_chunk < k,
                "{s:?}"
            );
            assert!((1..=32).contains(&s.splits), "{s:?}");
            assert!(s.k_chunk >= min_rows * k_lanes, "{s:?}");
        }
        // Many column tiles need no split (no workspace, no second pass).
        assert_eq!(SplitK::choose(128_256, 4096, 256, 1, 132).splits, 1);
        assert!(SplitK::choose(896, 4864, 128, 1, 132).splits > 16);
        // Deeper splits: 896 rows of K at 8 rows a k lane (16 lanes) is 7 splits.
        assert_eq!(SplitK::choose(896, 896, 128, 8, 132).splits, 7);
    }

    #[test]
    fn wgmma_boxes_follow_the_kernels_parameters_and_fit_the_h200() {
        let registry = Registry::embedded().unwrap();
        let variant = |id: &str| registry.get(id).unwrap();
        // wgmma.cu: TILE_ROWS = 64·ROW_BLOCKS, X_ROWS = 16 when MAX_M > 8, else 8.
        let tile = WgmmaTile::of(variant("wg/m16_s4p_r"));
        assert_eq!((tile.w_rows, tile.x_rows, tile.stages), (64, 16, 4));
        assert_eq!(tile.ring_bytes(), 4 * (64 + 16) * 128 + 1024);
        let tile = WgmmaTile::of(variant("wg/m8_s6_b2"));
        assert_eq!((tile.w_rows, tile.x_rows, tile.stages), (64, 8, 6));
        let mut wide = variant("wg/m16_s4p_r").clone();
        wide.params.insert("ROW_BLOCKS".into(), ParamValue::Int(2));
        assert_eq!(WgmmaTile::of(&wide).w_rows, 128);
        let tile = WgmmaTile::of(variant("wg/m16_r2s4p_r"));
        assert_eq!((tile.w_rows, tile.x_rows, tile.stages), (128, 16, 4));
        assert_eq!(tile.ring_bytes(), 4 * (128 + 16) * 128 + 1024);
        let mut count = 0;
        for v in registry
            .variants
            .iter()
            .filter(|v| v.kernel == "gemv_wgmma")
        {
            let bytes = WgmmaTile::of(v).ring_bytes();
            assert!(bytes <= H200_SHARED_PER_BLOCK, "{}: {bytes} bytes", v.id);
            count += 1;
        }
        assert!(count >= 4, "only {count} wgmma variants registered");
    }

    #[test]
    fn wgmma_splits_cover_k_in_whole_boxes_and_only_when_tiles_are_few() {
        for (n, k, target) in [
            (28_672u32, 4096u32, 528u32),
            (4096, 14_336, 528),
            (896, 4864, 528),
            (9728, 896, 528),
            (1, 8, 528),
            (64, 100, 528),
            (151_936, 896, 264),
        ] {
            let s = SplitK::for_row_tiles(n, k, 64, target);
            assert_eq!(s.col_tiles, n.div_ceil(64));
            let big = SplitK::for_row_tiles(n, k, 128, target);
            assert_eq!(big.col_tiles, n.div_ceil(128));
            assert_eq!(s.k_chunk % 64, 0, "{n}×{k}: {s:?}");
            assert!(
                s.splits * s.k_chunk >= k && (s.splits - 1) * s.k_chunk < k,
                "{n}×{k}: {s:?}"
            );
            assert!((1..=32).contains(&s.splits), "{n}×{k}: {s:?}");
        }
        // Enough row tiles: no split (448 tiles against 528 blocks wanted would be 1.2).
        assert_eq!(SplitK::for_row_tiles(28_672, 4096, 64, 528).splits, 1);
        // llama down: 64 tiles, 8 splits of 28 boxes.
        let down = SplitK::for_row_tiles(4096, 14_336, 64, 528);
        assert_eq!((down.splits, down.k_chunk), (8, 1792));
        // Fewer boxes than wanted splits: one box a split.
        assert_eq!(SplitK::for_row_tiles(64, 100, 64, 528).splits, 2);
    }
}
