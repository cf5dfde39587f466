//! CPU kernels. Versions:
//!
//! - `naive`: the plain triple loop, one thread. Correct by inspection; the floor.
//! - `threaded`: output columns split across rayon tasks; each weight row (nt) or row segment
//!   (nn) is read once and applied to every row of x, with unrolled f32 loops that LLVM turns
//!   into SIMD. The CPU analogue of the GEMV family.
//! - `gemm_crate`: the `gemm` crate, the CPU GEMM behind candle: the vendor-library stand-in.
//!
//! All accumulate in f32 and apply the epilogue before the single rounding to the output dtype.

use rayon::prelude::*;

use crate::data::Element;
use crate::problem::{Epilogue, Layout, Problem};

/// Everything a kernel reads. `y` is passed separately, mutable.
pub struct Args<'a, T> {
    pub problem: &'a Problem,
    pub x: &'a [T],
    pub w: &'a [T],
    pub bias: Option<&'a [T]>,
    /// Output columns per rayon task (`threaded` only).
    pub columns_per_task: usize,
}

pub type KernelFn<T> = fn(&Args<'_, T>, &mut [T]);

/// The value stored at `y[i, j]` given the f32 dot product and the y that was there.
#[inline(always)]
fn finish<T: Element>(epilogue: Epilogue, dot: f32, bias: Option<&[T]>, j: usize, y_old: T) -> T {
    T::from_f32(match epilogue {
        Epilogue::None => dot,
        Epilogue::Bias => dot + bias.map_or(0.0, |b| b[j].to_f32()),
        Epilogue::Axpby { alpha, beta } => alpha * dot + beta * y_old.to_f32(),
    })
}

pub fn naive<T: Element>(a: &Args<'_, T>, y: &mut [T]) {
    let p = a.problem;
    let (m, n, k) = (p.m(), p.n(), p.k());
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0.0f32;
            for kk in 0..k {
                let w = match p.layout() {
                    Layout::Nt => a.w[j * k + kk],
                    Layout::Nn => a.w[kk * n + j],
                };
                acc += a.x[i * k + kk].to_f32() * w.to_f32();
            }
            y[i * n + j] = finish(p.epilogue(), acc, a.bias, j, y[i * n + j]);
        }
    }
}

const LANES: usize = 16;

/// Dot product with LANES independent accumulators, so the adds do not form one serial chain
/// and the loop vectorises.
#[inline(always)]
fn dot<T: Element>(x: &[f32], w: &[T]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let mut xs = x.chunks_exact(LANES);
    let mut ws = w.chunks_exact(LANES);
    for (xc, wc) in (&mut xs).zip(&mut ws) {
        for l in 0..LANES {
            acc[l] += xc[l] * wc[l].to_f32();
        }
    }
    let tail: f32 = xs
        .remainder()
        .iter()
        .zip(ws.remainder())
        .map(|(&xv, &wv)| xv * wv.to_f32())
        .sum();
    acc.iter().sum::<f32>() + tail
}

/// `acc[j] += s · w[j]` over a row segment.
#[inline(always)]
fn axpy<T: Element>(acc: &mut [f32], s: f32, w: &[T]) {
    for (a, &wv) in acc.iter_mut().zip(w) {
        *a += s * wv.to_f32();
    }
}

/// A raw pointer to y shared by tasks that each own a disjoint set of columns.
#[derive(Clone, Copy)]
struct ColumnsOfY<T>(*mut T);
// SAFETY: tasks write disjoint elements (their own column range in every row), and the pointer
// outlives the parallel loop, which joins before `threaded` returns.
unsafe impl<T: Send> Send for ColumnsOfY<T> {}
unsafe impl<T: Send> Sync for ColumnsOfY<T> {}

impl<T> ColumnsOfY<T> {
    /// Through a method, so closures capture the Sync wrapper and not the bare pointer field.
    fn at(&self, index: usize) -> *mut T {
        self.0.wrapping_add(index)
    }
}

pub fn threaded<T: Element>(a: &Args<'_, T>, y: &mut [T]) {
    let p = a.problem;
    let (m, n, k) = (p.m(), p.n(), p.k());
    assert_eq!(y.len(), m * n, "y has the wrong length");
    let cols = a.columns_per_task.max(1);
    // x converted once per call; the inner loops then read f32 from L1.
    let x: Vec<f32> = a.x.iter().map(|v| v.to_f32()).collect();
    let y_cols = ColumnsOfY(y.as_mut_ptr());
    (0..n.div_ceil(cols)).into_par_iter().for_each(|task| {
        let j0 = task * cols;
        let width = cols.min(n - j0);
        let mut acc = vec![0.0f32; m * width];
        match p.layout() {
            Layout::Nt => {
                for jj in 0..width {
                    let w_row = &a.w[(j0 + jj) * k..(j0 + jj + 1) * k];
                    for i in 0..m {
                        acc[i * width + jj] = dot(&x[i * k..(i + 1) * k], w_row);
                    }
                }
            }
            Layout::Nn => {
                for kk in 0..k {
                    let w_seg = &a.w[kk * n + j0..kk * n + j0 + width];
                    for i in 0..m {
                        axpy(&mut acc[i * width..(i + 1) * width], x[i * k + kk], w_seg);
                    }
                }
            }
        }
        for i in 0..m {
            for jj in 0..width {
                let j = j0 + jj;
                // SAFETY: (i, j) lies in this task's column range, which no other task touches,
                // and inside y (j < n, i < m, y.len() == m·n checked above).
                unsafe {
                    let slot = y_cols.at(i * n + j);
                    *slot = finish(p.epilogue(), acc[i * width + jj], a.bias, j, *slot);
                }
            }
        }
    });
}

/// Element types the gemm crate has kernels for.
pub trait GemmCrateElement: Element {
    fn one() -> Self;
    fn from_scale(v: f32) -> Self;
}

impl GemmCrateElement for f32 {
    fn one() -> Self {
        1.0
    }
    fn from_scale(v: f32) -> Self {
        v
    }
}

impl GemmCrateElement for half::f16 {
    fn one() -> Self {
        half::f16::ONE
    }
    fn from_scale(v: f32) -> Self {
        half::f16::from_f32(v)
    }
}

/// The gemm crate computes `dst = alpha·dst + beta·lhs·rhs` with arbitrary strides: the nt
/// weight is read as a column-major `[k, n]` matrix, the nn weight as a row-major one. A bias
/// is prefilled into y and accumulated into, the way a BLAS with only `beta` does it.
pub fn gemm_crate<T: GemmCrateElement>(a: &Args<'_, T>, y: &mut [T]) {
    let p = a.problem;
    let (m, n, k) = (p.m(), p.n(), p.k());
    assert!(
        y.len() == m * n && a.x.len() == m * k && a.w.len() == n * k,
        "gemm_crate: buffer sizes do not match the problem"
    );
    let (dst_scale, product_scale, read_dst) = match p.epilogue() {
        Epilogue::None => (T::one(), T::one(), false),
        Epilogue::Bias => {
            let bias = a.bias.expect("bias problem without bias");
            for row in y.chunks_exact_mut(n) {
                row.copy_from_slice(bias);
            }
            (T::one(), T::one(), true)
        }
        Epilogue::Axpby { alpha, beta } => (T::from_scale(beta), T::from_scale(alpha), beta != 0.0),
    };
    let (rhs_cs, rhs_rs) = match p.layout() {
        Layout::Nt => (k as isize, 1),
        Layout::Nn => (1, n as isize),
    };
    // SAFETY: the sizes were checked above; each pointer covers its matrix with the strides
    // given (x row-major [m, k], y row-major [m, n], W as described), and y does not alias the
    // inputs (it is a distinct &mut).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            y.as_mut_ptr(),
            1,
            n as isize,
            read_dst,
            a.x.as_ptr(),
            1,
            k as isize,
            a.w.as_ptr(),
            rhs_cs,
            rhs_rs,
            dst_scale,
            product_scale,
            false,
            false,
            false,
            gemm::Parallelism::Rayon(0),
        );
    }
}
