//! The vendor baselines: cuBLAS (`cublasGemmEx`) and cuBLASLt (`cublasLtMatmul`), set up once
//! per prepared run so that a call is only the library call, as in a framework that caches its
//! handles and algorithm choices.
//!
//! Row-major `y[m, n] = x[m, k]·Wᵀ` is, in cuBLAS's column-major terms, `yᵀ[n, m] = op(W)·xᵀ`:
//! W `[n, k]` row-major is a column-major `[k, n]` matrix with ld = k used transposed (nt); W
//! `[k, n]` row-major is a column-major `[n, k]` matrix with ld = n used as is (nn).

use std::ffi::c_void;
use std::mem::size_of;

use cudarc::cublas::{result as blas, sys as blas_sys};
use cudarc::cublaslt::{result as lt, sys as lt_sys};

use crate::problem::{Dtype, Epilogue, Layout, Problem};

/// Workspace given to cuBLAS and cuBLASLt (what cudarc uses on Hopper): with it, calls capture
/// into graphs without allocating.
pub const WORKSPACE_BYTES: usize = 32 << 20;

fn status(what: &str, e: impl std::fmt::Debug) -> String {
    format!("{what}: {e:?}")
}

/// Scalars of `alpha·x·Wᵀ + beta·y` for an epilogue (a bias is added elsewhere).
fn scales(problem: &Problem) -> (f32, f32) {
    match problem.epilogue() {
        Epilogue::Axpby { alpha, beta } => (alpha, beta),
        _ => (1.0, 0.0),
    }
}

pub struct Cublas {
    handle: blas_sys::cublasHandle_t,
    workspace: u64,
    /// The stream the handle is bound to (one per handle, shared by every plan that uses it).
    bound: std::cell::Cell<blas_sys::cudaStream_t>,
}

impl Cublas {
    /// A handle bound to `stream`, with a workspace at `workspace` (device pointer).
    pub fn new(stream: blas_sys::cudaStream_t, workspace: u64) -> Result<Cublas, String> {
        let handle = blas::create_handle().map_err(|e| status("cublasCreate", e))?;
        let cublas = Cublas {
            handle,
            workspace,
            bound: std::cell::Cell::new(std::ptr::null_mut()),
        };
        // SAFETY: a live handle and stream; the workspace outlives the handle (the backend
        // frees it after dropping the handle).
        unsafe { cublas.bind(stream)? };
        Ok(cublas)
    }

    /// Bind the handle to `stream` (if it is not bound to it already), then give it the
    /// workspace again (binding a stream resets a handle's workspace to cuBLAS's own pool,
    /// which would allocate inside a graph capture).
    ///
    /// # Safety
    /// `stream` must be a live stream of the handle's context.
    pub unsafe fn bind(&self, stream: blas_sys::cudaStream_t) -> Result<(), String> {
        if self.bound.get() == stream {
            return Ok(());
        }
        blas::set_stream(self.handle, stream).map_err(|e| status("cublasSetStream", e))?;
        blas_sys::cublasSetWorkspace_v2(
            self.handle,
            self.workspace as *mut c_void,
            WORKSPACE_BYTES,
        )
        .result()
        .map_err(|e| status("cublasSetWorkspace", e))?;
        self.bound.set(stream);
        Ok(())
    }

    pub fn version(&self) -> i32 {
        let mut v = 0;
        // SAFETY: a live handle and a valid out-pointer.
        let _ = unsafe { blas_sys::cublasGetVersion_v2(self.handle, &mut v) };
        v
    }

    /// One `cublasGemmEx` for `problem`, bf16/f16/f32 in and out, f32 compute.
    ///
    /// # Safety
    /// The pointers must be live device buffers of the problem's sizes and dtype.
    pub unsafe fn gemm(&self, problem: &Problem, x: u64, w: u64, y: u64) -> Result<(), String> {
        let (m, n, k) = (problem.m() as i32, problem.n() as i32, problem.k() as i32);
        let data_type = match problem.dtype() {
            Dtype::Bf16 => blas_sys::cudaDataType_t::CUDA_R_16BF,
            Dtype::F16 => blas_sys::cudaDataType_t::CUDA_R_16F,
            Dtype::F32 => blas_sys::cudaDataType_t::CUDA_R_32F,
        };
        let (transa, lda) = match problem.layout() {
            Layout::Nt => (blas_sys::cublasOperation_t::CUBLAS_OP_T, k),
            Layout::Nn => (blas_sys::cublasOperation_t::CUBLAS_OP_N, n),
        };
        let (alpha, beta) = scales(problem);
        blas::gemm_ex(
            self.handle,
            transa,
            blas_sys::cublasOperation_t::CUBLAS_OP_N,
            n,
            m,
            k,
            &alpha as *const f32 as *const c_void,
            w as *const c_void,
            data_type,
            lda,
            x as *const c_void,
            data_type,
            k,
            &beta as *const f32 as *const c_void,
            y as *mut c_void,
            data_type,
            n,
            blas_sys::cublasComputeType_t::CUBLAS_COMPUTE_32F,
            blas_sys::cublasGemmAlgo_t::CUBLAS_GEMM_DEFAULT,
        )
        .map_err(|e| status("cublasGemmEx", e))
    }
}

impl Drop for Cublas {
    fn drop(&mut self) {
        // SAFETY: the handle is live and dropped once.
        let _ = unsafe { blas::destroy_handle(self.handle) };
    }
}

/// A cuBLASLt matmul planned for one problem: descriptors, layouts and the algorithm the
/// heuristic chose, kept for every call.
pub struct LtPlan {
    handle: lt_sys::cublasLtHandle_t,
    desc: lt_sys::cublasLtMatmulDesc_t,
    a: lt_sys::cublasLtMatrixLayout_t,
    b: lt_sys::cublasLtMatrixLayout_t,
    c: lt_sys::cublasLtMatrixLayout_t,
    algo: lt_sys::cublasLtMatmulAlgo_t,
    alpha: f32,
    beta: f32,
    workspace: u64,
    /// Whether the descriptor has the bias epilogue, and the bias pointer it holds (0: none
    /// given yet).
    has_bias: bool,
    bias: std::cell::Cell<u64>,
}

impl LtPlan {
    /// Plan `problem`, with cuBLASLt's bias epilogue when `bias` (the pointer comes with each
    /// call). cuBLASLt may refuse a problem (no algorithm): that is an error carrying its status.
    pub fn new(problem: &Problem, bias: bool, workspace: u64) -> Result<LtPlan, String> {
        let (m, n, k) = (problem.m() as u64, problem.n() as u64, problem.k() as u64);
        let data_type = match problem.dtype() {
            Dtype::Bf16 => lt_sys::cudaDataType_t::CUDA_R_16BF,
            Dtype::F16 => lt_sys::cudaDataType_t::CUDA_R_16F,
            Dtype::F32 => lt_sys::cudaDataType_t::CUDA_R_32F,
        };
        let handle = lt::create_handle().map_err(|e| status("cublasLtCreate", e))?;
        let mut plan = LtPlan {
            handle,
            desc: std::ptr::null_mut(),
            a: std::ptr::null_mut(),
            b: std::ptr::null_mut(),
            c: std::ptr::null_mut(),
            // SAFETY: a plain C struct of integers; overwritten by the heuristic below.
            algo: unsafe { std::mem::zeroed() },
            alpha: scales(problem).0,
            beta: scales(problem).1,
            workspace,
            has_bias: bias,
            bias: std::cell::Cell::new(0),
        };
        let (a_rows, a_cols, lda, transa) = match problem.layout() {
            Layout::Nt => (k, n, k as i64, 1i32),
            Layout::Nn => (n, k, n as i64, 0i32),
        };
        plan.a = lt::create_matrix_layout(data_type, a_rows, a_cols, lda)
            .map_err(|e| status("cublasLtMatrixLayoutCreate(W)", e))?;
        plan.b = lt::create_matrix_layout(data_type, k, m, k as i64)
            .map_err(|e| status("cublasLtMatrixLayoutCreate(x)", e))?;
        plan.c = lt::create_matrix_layout(data_type, n, m, n as i64)
            .map_err(|e| status("cublasLtMatrixLayoutCreate(y)", e))?;
        plan.desc = lt::create_matmul_desc(
            lt_sys::cublasComputeType_t::CUBLAS_COMPUTE_32F,
            lt_sys::cudaDataType_t::CUDA_R_32F,
        )
        .map_err(|e| status("cublasLtMatmulDescCreate", e))?;
        let set = |attr, value: *const c_void, size: usize| {
            // SAFETY: a live descriptor; `value` points at `size` readable bytes.
            unsafe { lt::set_matmul_desc_attribute(plan.desc, attr, value, size) }
                .map_err(|e| status("cublasLtMatmulDescSetAttribute", e))
        };
        use lt_sys::cublasLtMatmulDescAttributes_t as Attr;
        let no = 0i32;
        set(
            Attr::CUBLASLT_MATMUL_DESC_TRANSA,
            &transa as *const i32 as *const c_void,
            size_of::<i32>(),
        )?;
        set(
            Attr::CUBLASLT_MATMUL_DESC_TRANSB,
            &no as *const i32 as *const c_void,
            size_of::<i32>(),
        )?;
        if bias {
            let epilogue = lt_sys::cublasLtEpilogue_t::CUBLASLT_EPILOGUE_BIAS;
            set(
                Attr::CUBLASLT_MATMUL_DESC_EPILOGUE,
                &epilogue as *const _ as *const c_void,
                size_of::<lt_sys::cublasLtEpilogue_t>(),
            )?;
        }
        let pref =
            lt::create_matmul_pref().map_err(|e| status("cublasLtMatmulPreferenceCreate", e))?;
        let found = (|| {
            // SAFETY: live preference, descriptor and layouts; valid attribute value.
            unsafe {
                lt::set_matmul_pref_attribute(
                    pref,
                    lt_sys::cublasLtMatmulPreferenceAttributes_t::CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                    &WORKSPACE_BYTES as *const usize as *const c_void,
                    size_of::<usize>(),
                )
                .map_err(|e| status("cublasLtMatmulPreferenceSetAttribute", e))?;
                lt::get_matmul_algo_heuristic(
                    handle, plan.desc, plan.a, plan.b, plan.c, plan.c, pref,
                )
                .map_err(|e| status("cublasLtMatmulAlgoGetHeuristic found no algorithm", e))
            }
        })();
        // SAFETY: created above, destroyed once.
        let _ = unsafe { lt::destroy_matmul_pref(pref) };
        plan.algo = found?.algo;
        Ok(plan)
    }

    /// One `cublasLtMatmul` (D = C = y). A plan made with a bias takes the call's bias pointer
    /// (written into the descriptor only when it changed: a host-side attribute, no allocation).
    ///
    /// # Safety
    /// The pointers must be live device buffers of the planned problem's sizes and dtype.
    pub unsafe fn matmul(
        &self,
        stream: lt_sys::cudaStream_t,
        x: u64,
        w: u64,
        y: u64,
        bias: u64,
    ) -> Result<(), String> {
        if self.has_bias && bias == 0 {
            return Err("this cuBLASLt plan has a bias epilogue; the call gave no bias".into());
        }
        if self.has_bias && bias != self.bias.get() {
            lt::set_matmul_desc_attribute(
                self.desc,
                lt_sys::cublasLtMatmulDescAttributes_t::CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                &bias as *const u64 as *const c_void,
                size_of::<u64>(),
            )
            .map_err(|e| status("cublasLtMatmulDescSetAttribute", e))?;
            self.bias.set(bias);
        }
        lt::matmul(
            self.handle,
            self.desc,
            &self.alpha as *const f32 as *const c_void,
            &self.beta as *const f32 as *const c_void,
            w as *const c_void,
            self.a,
            x as *const c_void,
            self.b,
            y as *const c_void,
            self.c,
            y as *mut c_void,
            self.c,
            &self.algo,
            self.workspace as *mut c_void,
            WORKSPACE_BYTES,
            stream,
        )
        .map_err(|e| status("cublasLtMatmul", e))
    }
}

impl Drop for LtPlan {
    fn drop(&mut self) {
        // SAFETY: each object was created by this plan (or is null) and is destroyed once.
        unsafe {
            for layout in [self.a, self.b, self.c] {
                if !layout.is_null() {
                    let _ = lt::destroy_matrix_layout(layout);
                }
            }
            if !self.desc.is_null() {
                let _ = lt::destroy_matmul_desc(self.desc);
            }
            let _ = lt::destroy_handle(self.handle);
        }
    }
}
