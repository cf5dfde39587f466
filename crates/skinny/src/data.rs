//! Host-side tensors and the random inputs every run is verified on.
//!
//! Inputs are uniform in [-1, 1] after rounding to the problem's dtype, and never zero: a kernel that
//! skips work must not be able to pass by luck of zeros. Generation is split into fixed chunks
//! with their own seeds, so it runs on all cores and still gives the same values for a seed.

use half::{bf16, f16};
use rand::{rngs::StdRng, Rng, SeedableRng};
use rayon::prelude::*;

use crate::problem::{Dtype, Epilogue, Problem};

/// An element type kernels read and write; arithmetic happens in f32.
pub trait Element: Copy + Send + Sync + 'static {
    const DTYPE: Dtype;
    fn to_f32(self) -> f32;
    fn from_f32(v: f32) -> Self;
    fn slice(t: &HostTensor) -> Option<&[Self]>;
    fn wrap(v: Vec<Self>) -> HostTensor;
}

macro_rules! element {
    ($t:ty, $variant:ident, $to:expr, $from:expr) => {
        impl Element for $t {
            const DTYPE: Dtype = Dtype::$variant;
            #[inline(always)]
            fn to_f32(self) -> f32 {
                ($to)(self)
            }
            #[inline(always)]
            fn from_f32(v: f32) -> Self {
                ($from)(v)
            }
            fn slice(t: &HostTensor) -> Option<&[Self]> {
                match t {
                    HostTensor::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn wrap(v: Vec<Self>) -> HostTensor {
                HostTensor::$variant(v)
            }
        }
    };
}

element!(bf16, Bf16, |v: bf16| v.to_f32(), bf16::from_f32);
element!(f16, F16, |v: f16| v.to_f32(), f16::from_f32);
element!(f32, F32, |v: f32| v, |v: f32| v);

/// A tensor in host memory, in one of the problem dtypes.
#[derive(Clone, Debug, PartialEq)]
pub enum HostTensor {
    Bf16(Vec<bf16>),
    F16(Vec<f16>),
    F32(Vec<f32>),
}

/// Run `$body` with `$v` bound to the typed slice of a tensor and `$T` to its element type.
#[macro_export]
macro_rules! with_elements {
    ($tensor:expr, |$v:ident : $T:ident| $body:expr) => {
        match $tensor {
            $crate::data::HostTensor::Bf16($v) => {
                #[allow(dead_code)]
                type $T = half::bf16;
                $body
            }
            $crate::data::HostTensor::F16($v) => {
                #[allow(dead_code)]
                type $T = half::f16;
                $body
            }
            $crate::data::HostTensor::F32($v) => {
                #[allow(dead_code)]
                type $T = f32;
                $body
            }
        }
    };
}

const CHUNK: usize = 1 << 16;

impl HostTensor {
    pub fn dtype(&self) -> Dtype {
        match self {
            HostTensor::Bf16(_) => Dtype::Bf16,
            HostTensor::F16(_) => Dtype::F16,
            HostTensor::F32(_) => Dtype::F32,
        }
    }

    pub fn len(&self) -> usize {
        with_elements!(self, |v: T| v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn size_bytes(&self) -> u64 {
        self.len() as u64 * self.dtype().size_bytes()
    }

    /// `len` values uniform in [-1, 1), rounded to `dtype` (so ±1 can occur), none of them zero.
    pub fn random(dtype: Dtype, len: usize, seed: u64) -> HostTensor {
        fn fill<T: Element>(len: usize, seed: u64) -> HostTensor {
            let mut out = vec![T::from_f32(0.5); len];
            out.par_chunks_mut(CHUNK)
                .enumerate()
                .for_each(|(i, chunk)| {
                    let mut rng = StdRng::seed_from_u64(
                        seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                    );
                    for slot in chunk {
                        let v = T::from_f32(rng.random_range(-1.0f32..1.0));
                        // Rounding can only make a value zero if it was tiny; replace it.
                        if v.to_f32() != 0.0 {
                            *slot = v;
                        }
                    }
                });
            T::wrap(out)
        }
        match dtype {
            Dtype::Bf16 => fill::<bf16>(len, seed),
            Dtype::F16 => fill::<f16>(len, seed),
            Dtype::F32 => fill::<f32>(len, seed),
        }
    }

    /// `len` copies of one value (NaN to poison an output before a run).
    pub fn filled(dtype: Dtype, len: usize, value: f32) -> HostTensor {
        match dtype {
            Dtype::Bf16 => HostTensor::Bf16(vec![bf16::from_f32(value); len]),
            Dtype::F16 => HostTensor::F16(vec![f16::from_f32(value); len]),
            Dtype::F32 => HostTensor::F32(vec![value; len]),
        }
    }

    /// The raw element bytes, for copying to a device.
    pub fn as_bytes(&self) -> &[u8] {
        with_elements!(self, |v: T| bytemuck::cast_slice(v.as_slice()))
    }

    /// A tensor from raw element bytes read back from a device.
    pub fn from_bytes(dtype: Dtype, bytes: &[u8]) -> HostTensor {
        // pod_collect_to_vec copies, so the bytes need no particular alignment.
        match dtype {
            Dtype::Bf16 => HostTensor::Bf16(bytemuck::pod_collect_to_vec(bytes)),
            Dtype::F16 => HostTensor::F16(bytemuck::pod_collect_to_vec(bytes)),
            Dtype::F32 => HostTensor::F32(bytemuck::pod_collect_to_vec(bytes)),
        }
    }

    pub fn to_f64(&self) -> Vec<f64> {
        with_elements!(self, |v: T| v.iter().map(|&e| e.to_f32() as f64).collect())
    }

    pub fn typed<T: Element>(&self) -> Option<&[T]> {
        T::slice(self)
    }
}

/// The inputs of one run: x `[m, k]`, W (`[n, k]` for nt, `[k, n]` for nn), the bias and, for
/// axpby, the y that is accumulated into.
#[derive(Clone, Debug)]
pub struct ProblemData {
    pub problem: Problem,
    pub seed: u64,
    pub x: HostTensor,
    pub w: HostTensor,
    pub bias: Option<HostTensor>,
    pub y_in: Option<HostTensor>,
}

impl ProblemData {
    pub fn generate(problem: &Problem, seed: u64) -> ProblemData {
        let (m, n, k) = (problem.m(), problem.n(), problem.k());
        let dtype = problem.dtype();
        // Distinct streams per tensor: x and W must not share values.
        let stream = |i: u64| seed.wrapping_add(i.wrapping_mul(0xD1B5_4A32_D192_ED03));
        ProblemData {
            problem: *problem,
            seed,
            x: HostTensor::random(dtype, m * k, stream(1)),
            w: HostTensor::random(dtype, n * k, stream(2)),
            bias: (problem.epilogue() == Epilogue::Bias)
                .then(|| HostTensor::random(dtype, n, stream(3))),
            y_in: matches!(problem.epilogue(), Epilogue::Axpby { .. })
                .then(|| HostTensor::random(dtype, m * n, stream(4))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Layout;

    #[test]
    fn random_inputs_are_nonzero_in_range_and_reproducible() {
        for dtype in Dtype::ALL {
            let a = HostTensor::random(dtype, 200_000, 7);
            let b = HostTensor::random(dtype, 200_000, 7);
            let c = HostTensor::random(dtype, 200_000, 8);
            assert_eq!(a, b);
            assert_ne!(a, c);
            let values = a.to_f64();
            assert!(values
                .iter()
                .all(|&v| v != 0.0 && (-1.0..=1.0).contains(&v)));
            // Not a constant: the chunks really draw different numbers.
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            assert!(mean.abs() < 0.01, "{dtype}: mean {mean}");
        }
    }

    #[test]
    fn bytes_round_trip() {
        for dtype in Dtype::ALL {
            let t = HostTensor::random(dtype, 33, 9);
            assert_eq!(t.as_bytes().len() as u64, t.size_bytes());
            assert_eq!(HostTensor::from_bytes(dtype, t.as_bytes()), t);
        }
    }

    #[test]
    fn generated_data_has_the_epilogue_inputs() {
        let p = Problem::new(2, 3, 4, Layout::Nt, Dtype::F16, Epilogue::Bias).unwrap();
        let d = ProblemData::generate(&p, 1);
        assert_eq!((d.x.len(), d.w.len()), (8, 12));
        assert_eq!(d.bias.as_ref().map(HostTensor::len), Some(3));
        assert!(d.y_in.is_none());
        assert_ne!(d.x.to_f64()[..4], d.w.to_f64()[..4]);
    }
}
