//! The float64 reference every kernel is checked against, and the comparison that decides
//! `passed` or `incorrect`.
//!
//! The reference computes in f64 from the same dtype-rounded inputs the kernel sees, so the only
//! differences left are the kernel's f32 accumulation and the rounding of y to its dtype. Two
//! tests must both hold: the relative Frobenius error over all of y under the dtype's bound, and
//! every element within a few output ulps (relative to the element, with a floor at the RMS of y
//! for elements that cancel to near zero). The second catches what the first averages away: one
//! wrong column in 150 000 moves the Frobenius error by less than bf16 rounding does.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::{Element, ProblemData};
use crate::problem::{Dtype, Epilogue, Layout};

/// Output columns one parallel task computes: it reads those rows of W (nt) or that strip of
/// every row (nn) once, for all m rows of x.
const COLUMNS_PER_TASK: usize = 64;

/// `y` in f64, `[m, n]` row-major.
///
/// It runs once per probe run on inputs as large as W itself (a 1 GB lm_head), so it is
/// parallel over blocks of output columns, not over the m rows (one row at M = 1), and converts W
/// to f64 a row or strip at a time instead of copying it whole.
pub fn reference(data: &ProblemData) -> Vec<f64> {
    let p = &data.problem;
    let (m, n, k) = (p.m(), p.n(), p.k());
    let x = data.x.to_f64();
    // y transposed, `[n, m]`: a task owns a contiguous block of columns.
    let mut y_t = vec![0.0f64; n * m];
    crate::with_elements!(&data.w, |w: T| {
        y_t.par_chunks_mut(COLUMNS_PER_TASK * m)
            .enumerate()
            .for_each(|(block, out)| {
                let first = block * COLUMNS_PER_TASK;
                match p.layout() {
                    Layout::Nt => nt_block(&x, &w[first * k..], k, out),
                    Layout::Nn => nn_block(&x, &w[first..], n, k, out),
                }
            })
    });
    let bias = data.bias.as_ref().map(|b| b.to_f64());
    let y_in = data.y_in.as_ref().map(|y| y.to_f64());
    let mut y = vec![0.0f64; m * n];
    for (j, column) in y_t.chunks_exact(m).enumerate() {
        for (i, &dot) in column.iter().enumerate() {
            y[i * n + j] = match p.epilogue() {
                Epilogue::None => dot,
                Epilogue::Bias => dot + bias.as_ref().expect("bias generated")[j],
                Epilogue::Axpby { alpha, beta } => {
                    alpha as f64 * dot
                        + beta as f64 * y_in.as_ref().expect("y generated")[i * n + j]
                }
            };
        }
    }
    y
}

/// `out` (`[columns, m]`) for the nt rows of W starting at `w`, each `k` long.
fn nt_block<T: Element>(x: &[f64], w: &[T], k: usize, out: &mut [f64]) {
    let m = x.len() / k;
    let mut row = vec![0.0f64; k];
    for (c, column) in out.chunks_exact_mut(m).enumerate() {
        for (slot, e) in row.iter_mut().zip(&w[c * k..(c + 1) * k]) {
            *slot = e.to_f32() as f64;
        }
        for (i, value) in column.iter_mut().enumerate() {
            *value = dot(&x[i * k..(i + 1) * k], &row);
        }
    }
}

/// `out` (`[columns, m]`) for the nn strip of W whose row `kk` starts at `w[kk * n]`.
fn nn_block<T: Element>(x: &[f64], w: &[T], n: usize, k: usize, out: &mut [f64]) {
    let m = x.len() / k;
    let columns = out.len() / m;
    let mut strip = vec![0.0f64; columns];
    for kk in 0..k {
        for (slot, e) in strip.iter_mut().zip(&w[kk * n..kk * n + columns]) {
            *slot = e.to_f32() as f64;
        }
        for i in 0..m {
            let xv = x[i * k + kk];
            for (c, &wv) in strip.iter().enumerate() {
                out[c * m + i] += xv * wv;
            }
        }
    }
}

/// Four running sums, so that the compiler can keep several multiply-adds in flight.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut sums = [0.0f64; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4
        .remainder()
        .iter()
        .zip(b4.remainder())
        .map(|(p, q)| p * q)
        .sum();
    for (p, q) in a4.zip(b4) {
        for lane in 0..4 {
            sums[lane] += p[lane] * q[lane];
        }
    }
    (sums[0] + sums[1]) + (sums[2] + sums[3]) + tail
}

/// How close a result must be to the reference for its dtype.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// Bound on ‖y − ref‖ / ‖ref‖ (Frobenius).
    pub rel_frobenius: f64,
    /// Each element: |y − ref| ≤ elem_rtol · max(|ref|, rms(ref)).
    pub elem_rtol: f64,
}

impl Tolerance {
    pub fn for_dtype(dtype: Dtype) -> Tolerance {
        match dtype {
            // bf16 keeps 8 significant bits: rounding y alone costs up to 2^-9 of it.
            Dtype::Bf16 => Tolerance {
                rel_frobenius: 1e-2,
                elem_rtol: 2f64.powi(-7),
            },
            // f16 keeps 11: rounding y costs up to 2^-12.
            Dtype::F16 => Tolerance {
                rel_frobenius: 2e-3,
                elem_rtol: 2f64.powi(-9),
            },
            // f32 in and out: only the order of f32 accumulation differs from f64.
            Dtype::F32 => Tolerance {
                rel_frobenius: 1e-4,
                elem_rtol: 1e-4,
            },
        }
    }
}

/// How a result compares with the reference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorReport {
    #[serde(with = "crate::json")]
    pub rel_frobenius: f64,
    pub max_abs_error: f64,
    /// The element that came closest to (or went furthest past) its tolerance, `[row, column]`.
    pub worst_element: [usize; 2],
    /// That element's error over its tolerance: above 1 fails.
    #[serde(with = "crate::json")]
    pub worst_ratio: f64,
    pub nan_count: usize,
    pub tolerance: Tolerance,
    pub passed: bool,
}

pub fn compare(y: &[f64], reference: &[f64], n: usize, dtype: Dtype) -> ErrorReport {
    assert_eq!(
        y.len(),
        reference.len(),
        "result and reference sizes differ"
    );
    let tolerance = Tolerance::for_dtype(dtype);
    let ref_sq: f64 = reference.iter().map(|r| r * r).sum();
    let rms = (ref_sq / reference.len().max(1) as f64).sqrt();
    let floor = rms.max(f64::MIN_POSITIVE);
    let (mut err_sq, mut max_abs, mut worst, mut worst_ratio, mut nan_count) =
        (0.0f64, 0.0f64, 0usize, 0.0f64, 0usize);
    for (i, (&got, &want)) in y.iter().zip(reference).enumerate() {
        if !got.is_finite() {
            nan_count += 1;
            if worst_ratio.is_finite() {
                worst_ratio = f64::INFINITY;
                worst = i;
            }
            continue;
        }
        let diff = (got - want).abs();
        err_sq += diff * diff;
        max_abs = max_abs.max(diff);
        let ratio = diff / (tolerance.elem_rtol * want.abs().max(floor));
        if ratio > worst_ratio {
            worst_ratio = ratio;
            worst = i;
        }
    }
    let rel_frobenius = if nan_count > 0 {
        f64::NAN
    } else if ref_sq > 0.0 {
        (err_sq / ref_sq).sqrt()
    } else {
        err_sq.sqrt()
    };
    let passed = nan_count == 0 && rel_frobenius <= tolerance.rel_frobenius && worst_ratio <= 1.0;
    ErrorReport {
        rel_frobenius,
        max_abs_error: max_abs,
        worst_element: [worst / n.max(1), worst % n.max(1)],
        worst_ratio,
        nan_count,
        tolerance,
        passed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::HostTensor;
    use crate::problem::Problem;
    use half::bf16;

    fn data(p: Problem, x: Vec<f32>, w: Vec<f32>) -> ProblemData {
        ProblemData {
            problem: p,
            seed: 0,
            x: HostTensor::F32(x),
            w: HostTensor::F32(w),
            bias: None,
            y_in: None,
        }
    }

    #[test]
    fn reference_matches_a_hand_computed_product() {
        // x = [[1, 2, 3], [4, 5, 6]], W (nt) = [[1, 0, 0], [0, 1, 0], [1, 1, 1], [2, -1, 0.5]].
        let p = Problem::new(2, 4, 3, Layout::Nt, Dtype::F32, Epilogue::None).unwrap();
        let d = data(
            p,
            vec![1., 2., 3., 4., 5., 6.],
            vec![1., 0., 0., 0., 1., 0., 1., 1., 1., 2., -1., 0.5],
        );
        assert_eq!(reference(&d), [1., 2., 6., 1.5, 4., 5., 15., 6.]);
    }

    /// The definition, one element at a time: what the blocked reference must reproduce.
    fn by_definition(d: &ProblemData) -> Vec<f64> {
        let p = &d.problem;
        let (m, n, k) = (p.m(), p.n(), p.k());
        let (x, w) = (d.x.to_f64(), d.w.to_f64());
        let mut y = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                y[i * n + j] = (0..k)
                    .map(|kk| {
                        let wv = match p.layout() {
                            Layout::Nt => w[j * k + kk],
                            Layout::Nn => w[kk * n + j],
                        };
                        x[i * k + kk] * wv
                    })
                    .sum();
            }
        }
        y
    }

    #[test]
    fn blocked_reference_matches_the_definition() {
        // Column counts below, at and past a task's block, k with and without a tail of 4.
        for (m, n, k) in [
            (1, 1, 1),
            (1, 63, 9),
            (3, 64, 16),
            (5, 130, 33),
            (16, 200, 7),
        ] {
            for layout in [Layout::Nt, Layout::Nn] {
                let p = Problem::new(m, n, k, layout, Dtype::Bf16, Epilogue::None).unwrap();
                let d = ProblemData::generate(&p, (m * n * k) as u64);
                let (got, want) = (reference(&d), by_definition(&d));
                let worst = got
                    .iter()
                    .zip(&want)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max);
                assert!(worst < 1e-12, "{m}x{n}x{k} {layout:?}: off by {worst}");
            }
        }
    }

    #[test]
    fn nn_layout_is_the_transpose_of_nt() {
        let nt = Problem::new(3, 5, 7, Layout::Nt, Dtype::F32, Epilogue::None).unwrap();
        let nn = Problem::new(3, 5, 7, Layout::Nn, Dtype::F32, Epilogue::None).unwrap();
        let d = ProblemData::generate(&nt, 11);
        let w = d.w.to_f64();
        let w_t: Vec<f32> = (0..7 * 5).map(|i| w[(i % 5) * 7 + i / 5] as f32).collect();
        let d_nn = data(nn, d.x.to_f64().iter().map(|&v| v as f32).collect(), w_t);
        // The two layouts sum in different orders (nt four running sums, nn one).
        for (a, b) in reference(&d).iter().zip(reference(&d_nn)) {
            assert!((a - b).abs() < 1e-12, "{a} against {b}");
        }
    }

    #[test]
    fn epilogues_follow_their_formulas() {
        let base = Problem::new(2, 3, 4, Layout::Nt, Dtype::Bf16, Epilogue::None).unwrap();
        let plain = ProblemData::generate(&base, 5);
        let y = reference(&plain);

        let mut with_bias = plain.clone();
        with_bias.problem = Problem::new(2, 3, 4, Layout::Nt, Dtype::Bf16, Epilogue::Bias).unwrap();
        with_bias.bias = Some(HostTensor::Bf16(vec![bf16::from_f32(0.5); 3]));
        let yb = reference(&with_bias);
        assert!(y.iter().zip(&yb).all(|(a, b)| (b - a - 0.5).abs() < 1e-12));

        let mut acc = plain.clone();
        acc.problem = Problem::new(
            2,
            3,
            4,
            Layout::Nt,
            Dtype::Bf16,
            Epilogue::Axpby {
                alpha: 2.0,
                beta: -1.0,
            },
        )
        .unwrap();
        acc.y_in = Some(HostTensor::Bf16(vec![bf16::from_f32(0.25); 6]));
        let ya = reference(&acc);
        assert!(y
            .iter()
            .zip(&ya)
            .all(|(a, b)| (b - (2.0 * a - 0.25)).abs() < 1e-12));
    }

    #[test]
    fn comparison_accepts_rounding_and_rejects_real_errors() {
        let reference: Vec<f64> = (0..1000)
            .map(|i| ((i * 37 % 101) as f64 - 50.0) / 7.0)
            .collect();
        let rounded: Vec<f64> = reference
            .iter()
            .map(|&r| bf16::from_f64(r).to_f64())
            .collect();
        assert!(compare(&rounded, &reference, 100, Dtype::Bf16).passed);

        // One wrong element in a thousand: the Frobenius error alone would let it pass.
        let mut one_off = rounded.clone();
        one_off[123] += 1.0;
        let report = compare(&one_off, &reference, 100, Dtype::Bf16);
        assert!(report.rel_frobenius < 1e-2);
        assert!(!report.passed);
        assert_eq!(report.worst_element, [1, 23]);

        let mut poisoned = rounded;
        poisoned[999] = f64::NAN;
        let report = compare(&poisoned, &reference, 100, Dtype::Bf16);
        assert!(!report.passed && report.nan_count == 1);
    }
}
