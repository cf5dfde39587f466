//! One call of a prepared operation: what the probe times and what a dispatch plan launches.
//!
//! Everything that can be worked out before the first call (the kernel, its grid, the fixed
//! integer and scalar arguments, a cuBLASLt plan) is held here, so a call is one driver or library
//! call with the caller's buffers: no allocation, no synchronisation, no compilation. That is
//! what makes a call safe to capture into a CUDA graph.
//!
//! Skinny kernels are launched with `cuLaunchKernelEx` so that programmatic dependent launch
//! (PDL) is only a launch attribute. A plan made for PDL compiles its kernel with
//! `-DSKINNY_PDL=1`: the kernel then waits (`griddepcontrol.wait`) before it reads x, y or the
//! bias or writes anything, and the next kernel in the stream may be scheduled while it drains;
//! the result is the same with or without it. W is the exception: gemv_split (one row group a
//! block), gemv_baseline (x loaded with W), gemv_mma and gemv_bulk request their first weights
//! before waiting, so under PDL no kernel that may still be running when they start may write W
//! (a dequantising kernel, say): the kernel just before them, and, after a variant built with
//! `EARLY_TRIGGER` (which lets the next kernel launch before its own wait), the kernels before
//! that one too, back to the last launch without PDL. Weights written before a launch without
//! PDL (which starts only when everything before it has finished) are always safe.

use std::ffi::c_void;

use cudarc::driver::{sys as drv_sys, CudaFunction, CudaStream, LaunchConfig};

use super::driver_error;
use super::vendor::{Cublas, LtPlan};
use crate::backend::RunError;
use crate::kernels::Launch;
use crate::problem::{Dtype, Epilogue, Problem};

/// The device buffers of one call (device pointers). `bias` is 0 when the problem has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operands {
    pub x: u64,
    pub w: u64,
    pub y: u64,
    pub bias: u64,
}

/// How a call is issued.
pub(crate) enum Op {
    /// A skinny kernel, launched as its family's `Launch` says.
    Kernel {
        func: CudaFunction,
        config: LaunchConfig,
        launch: Launch,
        /// Blocks a thread-block cluster along the grid's y (1: no cluster).
        cluster_y: u32,
    },
    Cublas,
    /// cuBLAS GEMM, then the bias add as a second kernel.
    CublasThenBias {
        bias_add: CudaFunction,
        config: LaunchConfig,
    },
    Lt(LtPlan),
}

/// Kernel arguments fixed at prepare time.
pub(crate) struct FixedArgs {
    pub m: i32,
    pub n: i32,
    pub k: i32,
    pub alpha: f32,
    pub beta: f32,
    /// Split-K workspace (`Launch::SplitKColumns`); null and 0 otherwise.
    pub partial: u64,
    pub counters: u64,
    pub k_chunk: i32,
    /// Rows of W's and x's tensor-map boxes (`Launch::TensorMapTiles`: 64 or 128, and 8 or
    /// 16); 0 otherwise.
    pub w_box_rows: u32,
    pub x_box_rows: u32,
}

impl FixedArgs {
    pub(crate) fn new(problem: &Problem) -> FixedArgs {
        let (alpha, beta) = match problem.epilogue() {
            Epilogue::Axpby { alpha, beta } => (alpha, beta),
            _ => (1.0, 0.0),
        };
        FixedArgs {
            m: problem.m() as i32,
            n: problem.n() as i32,
            k: problem.k() as i32,
            alpha,
            beta,
            partial: 0,
            counters: 0,
            k_chunk: 0,
            w_box_rows: 0,
            x_box_rows: 0,
        }
    }
}

/// A prepared call: the op, its fixed arguments and the problem it was made for.
pub(crate) struct Call {
    pub problem: Problem,
    pub op: Op,
    pub args: FixedArgs,
    /// A skinny kernel compiled with the programmatic-dependent-launch wait, and so launched
    /// with the attribute (vendor calls ignore it).
    pub pdl: bool,
}

impl Call {
    /// Issue the call on `stream`.
    ///
    /// # Safety
    /// The operands must be live device buffers of the problem's sizes and dtype (bias when the
    /// problem has one), and `cublas` the handle the op was prepared with when it uses cuBLAS.
    pub(crate) unsafe fn launch(
        &self,
        stream: &CudaStream,
        cublas: Option<&Cublas>,
        o: Operands,
    ) -> Result<(), RunError> {
        let a = &self.args;
        if self.problem.epilogue() == Epilogue::Bias && o.bias == 0 {
            return Err(RunError::new(format!(
                "{} has a bias epilogue; the call gave no bias",
                self.problem
            )));
        }
        match &self.op {
            Op::Kernel {
                func,
                config,
                launch,
                cluster_y,
            } => {
                // Every argument as a local, and a pointer to each in the kernel's order.
                let (x, w, y, bias) = (o.x, o.w, o.y, o.bias);
                let mut list: [*mut c_void; 14] = [std::ptr::null_mut(); 14];
                let mut count = 0;
                let mut push = |p: *mut c_void| {
                    list[count] = p;
                    count += 1;
                };
                push(&x as *const u64 as *mut c_void);
                push(&w as *const u64 as *mut c_void);
                push(&y as *const u64 as *mut c_void);
                if launch.has_epilogue_args() {
                    push(&bias as *const u64 as *mut c_void);
                    push(&a.m as *const i32 as *mut c_void);
                    push(&a.n as *const i32 as *mut c_void);
                    push(&a.k as *const i32 as *mut c_void);
                    push(&a.alpha as *const f32 as *mut c_void);
                    push(&a.beta as *const f32 as *mut c_void);
                } else {
                    push(&a.n as *const i32 as *mut c_void);
                    push(&a.k as *const i32 as *mut c_void);
                }
                if matches!(launch, Launch::SplitKColumns | Launch::TensorMapTiles) {
                    push(&a.partial as *const u64 as *mut c_void);
                    push(&a.counters as *const u64 as *mut c_void);
                    push(&a.k_chunk as *const i32 as *mut c_void);
                }
                // The maps hold the call's pointers, so they are encoded here (on the host, no
                // driver round trip, nothing allocated); the launch copies them.
                let maps = match launch {
                    Launch::TensorMapTiles => {
                        let p = &self.problem;
                        let (k, rows) = (p.k() as u64, p.n() as u64);
                        Some([
                            tensor_map(p, w, k, rows, a.w_box_rows)?,
                            tensor_map(p, x, k, p.m() as u64, a.x_box_rows)?,
                        ])
                    }
                    _ => None,
                };
                if let Some(maps) = &maps {
                    push(&maps[0] as *const drv_sys::CUtensorMap as *mut c_void);
                    push(&maps[1] as *const drv_sys::CUtensorMap as *mut c_void);
                }
                let attrs = Attributes::for_kernel(self.pdl, *cluster_y);
                launch_with(stream, func, *config, &mut list[..count], attrs)
            }
            Op::Cublas => {
                let cublas = cublas_on(stream, cublas)?;
                cublas
                    .gemm(&self.problem, o.x, o.w, o.y)
                    .map_err(RunError::new)
            }
            Op::CublasThenBias { bias_add, config } => {
                let cublas = cublas_on(stream, cublas)?;
                cublas
                    .gemm(&self.problem, o.x, o.w, o.y)
                    .map_err(RunError::new)?;
                let (y, bias) = (o.y, o.bias);
                let mut list = [
                    &y as *const u64 as *mut c_void,
                    &bias as *const u64 as *mut c_void,
                    &a.m as *const i32 as *mut c_void,
                    &a.n as *const i32 as *mut c_void,
                ];
                // skinny_bias_add(elem_t* y, const elem_t* bias, int m, int n).
                launch_ex(stream, bias_add, *config, &mut list, false)
            }
            Op::Lt(plan) => plan
                .matmul(stream.cu_stream() as _, o.x, o.w, o.y, o.bias)
                .map_err(RunError::new),
        }
    }
}

/// A 2-D tensor map of a row-major [rows, k] matrix of `problem`'s 16-bit dtype at `address`:
/// boxes of 64 elements of k (128 bytes, the 128-byte swizzle) by `box_rows` rows, zeros
/// outside the matrix. (gemv_wgmma; the registry refuses such a variant that claims another
/// dtype, or a k that is not a multiple of 8.)
fn tensor_map(
    problem: &Problem,
    address: u64,
    k: u64,
    rows: u64,
    box_rows: u32,
) -> Result<drv_sys::CUtensorMap, RunError> {
    use drv_sys::CUtensorMapDataType as T;
    let dtype = match problem.dtype() {
        Dtype::Bf16 => T::CU_TENSOR_MAP_DATA_TYPE_BFLOAT16,
        Dtype::F16 => T::CU_TENSOR_MAP_DATA_TYPE_FLOAT16,
        Dtype::F32 => {
            return Err(RunError::new(format!(
                "{problem}: the tensor-map kernels take 16-bit elements only"
            )))
        }
    };
    let dims = [k, rows];
    let strides = [k * 2];
    let boxes = [64u32, box_rows];
    let element_strides = [1u32, 1];
    // SAFETY: a plain C struct the call below fills; zeros until then.
    let mut map: drv_sys::CUtensorMap = unsafe { std::mem::zeroed() };
    // SAFETY: the arrays outlive the call and have the rank's lengths (strides one fewer).
    unsafe {
        drv_sys::cuTensorMapEncodeTiled(
            &mut map,
            dtype,
            2,
            address as *mut c_void,
            dims.as_ptr(),
            strides.as_ptr(),
            boxes.as_ptr(),
            element_strides.as_ptr(),
            drv_sys::CUtensorMapInterleave::CU_TENSOR_MAP_INTERLEAVE_NONE,
            drv_sys::CUtensorMapSwizzle::CU_TENSOR_MAP_SWIZZLE_128B,
            drv_sys::CUtensorMapL2promotion::CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
            drv_sys::CUtensorMapFloatOOBfill::CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE,
        )
    }
    .result()
    .map_err(|e| driver_error(&format!("encoding a tensor map for {problem}"), e))?;
    Ok(map)
}

/// The cuBLAS handle, bound to `stream`.
fn cublas_on<'c>(stream: &CudaStream, cublas: Option<&'c Cublas>) -> Result<&'c Cublas, RunError> {
    let cublas =
        cublas.ok_or_else(|| RunError::new("a cuBLAS call was prepared without a handle"))?;
    // SAFETY: a live handle and a live stream of its context.
    unsafe { cublas.bind(stream.cu_stream() as _) }.map_err(RunError::new)?;
    Ok(cublas)
}

/// Launch attributes of one `cuLaunchKernelEx`, on the stack: a plan's launch allocates nothing.
#[derive(Default)]
struct Attributes {
    list: [Option<drv_sys::CUlaunchAttribute>; 2],
    count: usize,
}

impl Attributes {
    /// A skinny kernel's: PDL when its plan was made for it, a cluster shape when it has one.
    fn for_kernel(pdl: bool, cluster_y: u32) -> Attributes {
        let mut attrs = Attributes::default();
        if pdl {
            attrs.push(pdl_attribute());
        }
        if cluster_y > 1 {
            attrs.push(cluster_attribute(cluster_y));
        }
        attrs
    }

    fn push(&mut self, attr: drv_sys::CUlaunchAttribute) {
        self.list[self.count] = Some(attr);
        self.count += 1;
    }
}

/// Programmatic dependent launch: the kernel may be scheduled while the one before it drains.
fn pdl_attribute() -> drv_sys::CUlaunchAttribute {
    // SAFETY: a plain C struct; the union member set below is the one the id names.
    let mut attr: drv_sys::CUlaunchAttribute = unsafe { std::mem::zeroed() };
    attr.id = drv_sys::CUlaunchAttributeID::CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attr.value.programmaticStreamSerializationAllowed = 1;
    attr
}

/// A cooperative launch: every block resident at once, or an error.
fn cooperative_attribute() -> drv_sys::CUlaunchAttribute {
    // SAFETY: as in `pdl_attribute`.
    let mut attr: drv_sys::CUlaunchAttribute = unsafe { std::mem::zeroed() };
    attr.id = drv_sys::CUlaunchAttributeID::CU_LAUNCH_ATTRIBUTE_COOPERATIVE;
    attr.value.cooperative = 1;
    attr
}

/// Thread-block clusters of `blocks` blocks along the grid's y.
fn cluster_attribute(blocks: u32) -> drv_sys::CUlaunchAttribute {
    // SAFETY: as in `pdl_attribute`.
    let mut attr: drv_sys::CUlaunchAttribute = unsafe { std::mem::zeroed() };
    attr.id = drv_sys::CUlaunchAttributeID::CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
    attr.value.clusterDim.x = 1;
    attr.value.clusterDim.y = blocks;
    attr.value.clusterDim.z = 1;
    attr
}

/// `cuLaunchKernelEx` with, when `pdl`, the programmatic stream serialisation attribute.
///
/// # Safety
/// `params` must point at the kernel's arguments, in order and of the right types.
pub(crate) unsafe fn launch_ex(
    stream: &CudaStream,
    func: &CudaFunction,
    config: LaunchConfig,
    params: &mut [*mut c_void],
    pdl: bool,
) -> Result<(), RunError> {
    launch_with(stream, func, config, params, Attributes::for_kernel(pdl, 1))
}

/// `cuLaunchKernelEx` as a cooperative launch: every block resident at once, or an error.
///
/// # Safety
/// As `launch_ex`.
pub(crate) unsafe fn launch_cooperative(
    stream: &CudaStream,
    func: &CudaFunction,
    config: LaunchConfig,
    params: &mut [*mut c_void],
) -> Result<(), RunError> {
    let mut attrs = Attributes::default();
    attrs.push(cooperative_attribute());
    launch_with(stream, func, config, params, attrs)
}

/// # Safety
/// As `launch_ex`.
unsafe fn launch_with(
    stream: &CudaStream,
    func: &CudaFunction,
    config: LaunchConfig,
    params: &mut [*mut c_void],
    attrs: Attributes,
) -> Result<(), RunError> {
    // SAFETY: a plain C struct; the entries past `count` are never read.
    let mut list = attrs.list.map(|a| a.unwrap_or_else(|| std::mem::zeroed()));
    let launch_config = drv_sys::CUlaunchConfig {
        gridDimX: config.grid_dim.0,
        gridDimY: config.grid_dim.1,
        gridDimZ: config.grid_dim.2,
        blockDimX: config.block_dim.0,
        blockDimY: config.block_dim.1,
        blockDimZ: config.block_dim.2,
        sharedMemBytes: config.shared_mem_bytes,
        hStream: stream.cu_stream(),
        attrs: list.as_mut_ptr(),
        numAttrs: attrs.count as u32,
    };
    drv_sys::cuLaunchKernelEx(
        &launch_config,
        func.cu_function(),
        params.as_mut_ptr(),
        std::ptr::null_mut(),
    )
    .result()
    .map_err(|e| driver_error("launching the kernel", e))
}
