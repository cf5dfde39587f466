//! The fused MLP of `skinny decode` (mlp.cu): gate_up and down of one layer in one kernel, its
//! grid and shared memory, and the transposition of down's weights it reads.

use std::ffi::c_void;

use cudarc::driver::{CudaFunction, CudaStream, LaunchConfig, PushKernelArg};

use super::call::launch_ex;
use super::{allow_dynamic_shared, driver_error, kernels, CudaBackend};
use crate::backend::RunError;
use crate::problem::Dtype;

/// One layer's MLP as the fused kernel sees it: gate_up is W1 [n1, k1], down reads h = the first
/// k2 of gate_up's outputs and writes n2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MlpShape {
    pub n1: usize,
    pub k1: usize,
    pub k2: usize,
    pub n2: usize,
}

impl MlpShape {
    /// Why the kernel cannot run this shape, if it cannot.
    pub fn unfit(&self) -> Option<String> {
        let MlpShape { n1, k1, k2, n2 } = *self;
        if k1 % 8 != 0 || n2 % 8 != 0 {
            return Some(format!(
                "gate_up's k ({k1}) and down's n ({n2}) must be multiples of 8 (16-byte rows)"
            ));
        }
        if n2 / 8 > kernels::MLP_THREADS as usize {
            return Some(format!(
                "down's n ({n2}) is over {} (a block's threads hold one 8-wide column of W2T each)",
                8 * kernels::MLP_THREADS
            ));
        }
        if k2 == 0 || k2 > n1 {
            return Some(format!(
                "down's k ({k2}) must be from 1 to gate_up's n ({n1})"
            ));
        }
        if n1 > i32::MAX as usize || n2 > i32::MAX as usize {
            return Some("sizes past i32".into());
        }
        None
    }

    /// Bytes of shared memory a block needs when the grid has `blocks` blocks, in mlp.cu's
    /// layout: x, the block's n2 sums and its h (the most any block gets).
    pub fn shared_bytes(&self, blocks: usize, elem: usize) -> usize {
        elem * self.k1 + 4 * (self.n2 + self.k2.div_ceil(blocks))
    }

    /// 16-byte vectors of W2T a thread holds when the grid has `blocks` blocks: the block's
    /// rows of W2T (the most any block gets) shared out over the groups of threads that each
    /// cover the n2 / 8 columns once. The kernel holds at most `kernels::MLP_W2_VECTORS`.
    pub fn w2_vectors_a_thread(&self, blocks: usize) -> usize {
        let groups = kernels::MLP_THREADS as usize / (self.n2 / 8).max(1);
        self.k2.div_ceil(blocks).div_ceil(groups.max(1))
    }
}

/// The fused MLP, compiled, with its launch for one shape.
pub(crate) struct FusedMlp {
    func: CudaFunction,
    transpose: CudaFunction,
    config: LaunchConfig,
    shape: MlpShape,
}

/// Device pointers of one layer's launch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MlpOperands {
    pub x: u64,
    pub w1: u64,
    /// Down's weights transposed, [k2, n2] (`FusedMlp::transpose`).
    pub w2t: u64,
    pub y1: u64,
    /// n2 f32, zero when the kernel starts.
    pub acc: u64,
}

impl CudaBackend {
    /// The fused MLP at `dtype` for `shape`, one wave of `blocks_per_sm` blocks a SM, or (none
    /// given) the most blocks a SM, up to 4, that fit at once with every thread's share of W2T in
    /// its registers.
    pub(crate) fn fused_mlp(
        &mut self,
        dtype: Dtype,
        shape: MlpShape,
        blocks_per_sm: Option<u32>,
    ) -> Result<FusedMlp, RunError> {
        if dtype.size_bytes() != 2 {
            return Err(RunError::new(format!(
                "dtype {dtype} (the fused MLP runs bf16 and f16)"
            )));
        }
        if let Some(why) = shape.unfit() {
            return Err(RunError::new(why));
        }
        let request = kernels::mlp_request(dtype, &self.arch);
        let func = self.function(&request, kernels::MLP_ENTRY)?;
        let transpose = self.function(&request, kernels::MLP_TRANSPOSE_ENTRY)?;
        let sms = self.facts.sm_count as usize;
        let candidates: Vec<u32> = match blocks_per_sm {
            Some(b) => vec![b],
            None => (1..=4).rev().collect(),
        };
        let mut why_not = Vec::new();
        for per_sm in candidates {
            let blocks = (per_sm as usize * sms).min(shape.k2);
            let held = shape.w2_vectors_a_thread(blocks);
            if held > kernels::MLP_W2_VECTORS as usize {
                why_not.push(format!(
                    "{per_sm} a SM: {held} vectors of W2T a thread (the kernel holds {})",
                    kernels::MLP_W2_VECTORS
                ));
                continue;
            }
            let bytes = shape.shared_bytes(blocks, 2);
            if bytes > self.facts.shared_per_block_optin as usize {
                why_not.push(format!("{per_sm} a SM: {bytes} bytes a block"));
                continue;
            }
            allow_dynamic_shared(&func, bytes as u32, "the fused MLP")?;
            let fits = func
                .occupancy_max_active_blocks_per_multiprocessor(kernels::MLP_THREADS, bytes, None)
                .map_err(|e| driver_error("asking the occupancy of the fused MLP", e))?;
            if fits < per_sm {
                why_not.push(format!(
                    "{per_sm} a SM: {fits} fit with {bytes} bytes a block"
                ));
                continue;
            }
            return Ok(FusedMlp {
                func,
                transpose,
                config: LaunchConfig {
                    grid_dim: (blocks as u32, 1, 1),
                    block_dim: (kernels::MLP_THREADS, 1, 1),
                    shared_mem_bytes: bytes as u32,
                },
                shape,
            });
        }
        Err(RunError::new(format!(
            "no grid of the fused MLP fits in one wave ({})",
            why_not.join("; ")
        )))
    }
}

impl FusedMlp {
    pub(crate) fn blocks(&self) -> u32 {
        self.config.grid_dim.0
    }

    /// `w2t` = `w2`ᵀ: down's weights [n2, k2] as the kernel reads them, [k2, n2].
    ///
    /// # Safety
    /// `w2` and `w2t` must be live device buffers of n2·k2 elements of the kernel's dtype.
    pub(crate) unsafe fn transpose(
        &self,
        stream: &CudaStream,
        w2: u64,
        w2t: u64,
    ) -> Result<(), RunError> {
        let (rows, cols) = (self.shape.n2 as i32, self.shape.k2 as i32);
        let config = LaunchConfig {
            grid_dim: (
                self.shape.k2.div_ceil(32) as u32,
                self.shape.n2.div_ceil(32) as u32,
                1,
            ),
            block_dim: (32, 8, 1),
            shared_mem_bytes: 0,
        };
        let mut launch = stream.launch_builder(&self.transpose);
        launch.arg(&w2).arg(&w2t).arg(&rows).arg(&cols);
        launch
            .launch(config)
            .map(|_| ())
            .map_err(|e| driver_error("launching the transposition of down's weights", e))
    }

    /// One layer's MLP, with programmatic dependent launch.
    ///
    /// # Safety
    /// The operands must be live device buffers of the shape's sizes: x k1 elements, w1 n1·k1,
    /// w2t k2·n2, y1 n1, acc n2 f32, zero.
    pub(crate) unsafe fn launch(
        &self,
        stream: &CudaStream,
        ops: &MlpOperands,
    ) -> Result<(), RunError> {
        let MlpShape { n1, k1, k2, n2 } = self.shape;
        let (n1, k1, k2, n2) = (n1 as i32, k1 as i32, k2 as i32, n2 as i32);
        let mut params = [
            &ops.x as *const u64 as *mut c_void,
            &ops.w1 as *const u64 as *mut c_void,
            &ops.w2t as *const u64 as *mut c_void,
            &ops.y1 as *const u64 as *mut c_void,
            &ops.acc as *const u64 as *mut c_void,
            &n1 as *const i32 as *mut c_void,
            &k1 as *const i32 as *mut c_void,
            &k2 as *const i32 as *mut c_void,
            &n2 as *const i32 as *mut c_void,
        ];
        // SAFETY: mlp_fused(const elem_t*, const elem_t*, const elem_t*, elem_t*, float*, int,
        // int, int, int) with the caller's buffers; the grid and shared memory
        // were sized for this shape.
        launch_ex(stream, &self.func, self.config, &mut params, true)
    }
}

#[cfg(test)]
mod tests {
    use super::MlpShape;

    const QWEN: MlpShape = MlpShape {
        n1: 9728,
        k1: 896,
        k2: 4864,
        n2: 896,
    };

    #[test]
    fn qwen_holds_its_w2t_share_at_two_blocks_a_sm_and_not_one() {
        // 112 columns of 8: two groups of threads; 264 blocks hold at most 19 rows of W2T, 10 a
        // thread (the kernel's most); 132 blocks hold 37, 19 a thread.
        assert_eq!(QWEN.w2_vectors_a_thread(396), 7);
        assert_eq!(QWEN.w2_vectors_a_thread(264), 10);
        assert_eq!(QWEN.w2_vectors_a_thread(132), 19);
        assert!(QWEN.w2_vectors_a_thread(264) <= super::kernels::MLP_W2_VECTORS as usize);
        assert!(QWEN.w2_vectors_a_thread(132) > super::kernels::MLP_W2_VECTORS as usize);
        // x, the sums and h.
        assert_eq!(QWEN.shared_bytes(396, 2), 2 * 896 + 4 * (896 + 13));
    }

    #[test]
    fn shapes_the_kernel_cannot_run_say_why() {
        let odd_k = MlpShape { k1: 900, ..QWEN };
        assert!(odd_k.unfit().unwrap().contains("multiples of 8"));
        let long_h = MlpShape { k2: 9729, ..QWEN };
        assert!(long_h.unfit().unwrap().contains("down's k (9729)"));
        assert_eq!(QWEN.unfit(), None);
        // No other rows (k2 = n1) is a shape it runs.
        assert_eq!(MlpShape { k2: 9728, ..QWEN }.unfit(), None);
        let wide = MlpShape { n2: 4096, ..QWEN };
        assert!(wide.unfit().unwrap().contains("down's n (4096)"));
    }
}
